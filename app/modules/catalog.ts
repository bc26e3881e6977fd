// Seed 000's AVAILABLE_MODULES: the module catalog lives in code (SPEC §4 organization_modules).
export interface ModuleDefinition {
  key: string;
  name: string;
  description: string;
  icon: string;
  category: string;
  defaultSettings: Record<string, unknown>;
}

export const AVAILABLE_MODULES = {
  visitor_management: {
    key: 'visitor_management',
    name: 'Visitor Management',
    description: 'Track visitors, check-ins, and check-outs',
    icon: 'UserCheck',
    category: 'Operations',
    defaultSettings: {
      maxDailyVisitors: 100,
      requirePhoto: false,
      requireIdScan: false,
      autoCheckoutHours: 8,
    },
  },
  ticket_management: {
    key: 'ticket_management',
    name: 'Ticket Management',
    description: 'Support tickets and issue tracking',
    icon: 'Ticket',
    category: 'Support',
    defaultSettings: {
      autoAssignTickets: false,
      ticketCategories: ['Technical', 'Billing', 'General'],
      slaHours: 24,
    },
  },
  inventory: {
    key: 'inventory',
    name: 'Inventory Management',
    description: 'Asset and stock management',
    icon: 'Package',
    category: 'Operations',
    defaultSettings: { lowStockThreshold: 10, enableBarcodeScanning: false, trackSerialNumbers: true },
  },
  crm: {
    key: 'crm',
    name: 'CRM',
    description: 'Customer relationship management',
    icon: 'Users',
    category: 'Sales',
    defaultSettings: {},
  },
  invoicing: {
    key: 'invoicing',
    name: 'Invoicing',
    description: 'Create and manage invoices',
    icon: 'FileText',
    category: 'Finance',
    defaultSettings: {},
  },
} as const satisfies Record<string, ModuleDefinition>;

export type ModuleKey = keyof typeof AVAILABLE_MODULES;
export const MODULE_KEYS = Object.keys(AVAILABLE_MODULES) as ModuleKey[];

export function isModuleKey(key: string): key is ModuleKey {
  return Object.hasOwn(AVAILABLE_MODULES, key);
}
