// Drizzle relations for the relational query API (db.query.*). Kept apart from the tables so each
// domain file holds only its tables, and cross-domain relations live in one place.
import { relations } from 'drizzle-orm';
import { apiKeys, usageEvents } from './api';
import {
  billingAccounts,
  credits,
  invoiceLineItems,
  invoices,
  organizationModules,
  payments,
  plans,
  services,
  subscriptions,
} from './billing';
import { apps, participants, prizes, rooms, winners } from './events';
import { accounts, refreshTokens, sessions, users } from './identity';
import { auditLogs, supportMessages, supportTickets, systemSettings } from './platform';
import {
  discounts,
  discountUsages,
  orderItems,
  orders,
  paymentMethods,
  prices,
  productCategories,
  productCategoryLinks,
  productDiscounts,
  productReviews,
  products,
  refunds,
} from './store';
import { invitations, organizationMembers, organizations, projects, teamMembers, teams } from './tenancy';

// Identity

export const usersRelations = relations(users, ({ many }) => ({
  accounts: many(accounts),
  sessions: many(sessions),
  refreshTokens: many(refreshTokens),
  memberships: many(organizationMembers),
  teamMemberships: many(teamMembers),
  apiKeys: many(apiKeys),
  auditLogs: many(auditLogs),
  participations: many(participants),
  organizedRooms: many(rooms),
  orders: many(orders),
  reviews: many(productReviews),
  paymentMethods: many(paymentMethods),
  discountUsages: many(discountUsages),
}));

export const accountsRelations = relations(accounts, ({ one }) => ({
  user: one(users, { fields: [accounts.userId], references: [users.id] }),
}));

export const sessionsRelations = relations(sessions, ({ one }) => ({
  user: one(users, { fields: [sessions.userId], references: [users.id] }),
  activeOrganization: one(organizations, {
    fields: [sessions.activeOrganizationId],
    references: [organizations.id],
  }),
}));

export const refreshTokensRelations = relations(refreshTokens, ({ one }) => ({
  user: one(users, { fields: [refreshTokens.userId], references: [users.id] }),
}));

// Tenancy

export const organizationsRelations = relations(organizations, ({ one, many }) => ({
  members: many(organizationMembers),
  invitations: many(invitations),
  teams: many(teams),
  projects: many(projects),
  subscription: one(subscriptions),
  billingAccount: one(billingAccounts),
  modules: many(organizationModules),
  services: many(services),
  apiKeys: many(apiKeys),
  usageEvents: many(usageEvents),
  supportTickets: many(supportTickets),
  apps: many(apps),
  rooms: many(rooms),
  orders: many(orders),
}));

export const organizationMembersRelations = relations(organizationMembers, ({ one }) => ({
  organization: one(organizations, {
    fields: [organizationMembers.organizationId],
    references: [organizations.id],
  }),
  user: one(users, { fields: [organizationMembers.userId], references: [users.id] }),
}));

export const teamsRelations = relations(teams, ({ one, many }) => ({
  organization: one(organizations, { fields: [teams.organizationId], references: [organizations.id] }),
  members: many(teamMembers),
}));

export const teamMembersRelations = relations(teamMembers, ({ one }) => ({
  team: one(teams, { fields: [teamMembers.teamId], references: [teams.id] }),
  user: one(users, { fields: [teamMembers.userId], references: [users.id] }),
}));

export const invitationsRelations = relations(invitations, ({ one }) => ({
  organization: one(organizations, { fields: [invitations.organizationId], references: [organizations.id] }),
  inviter: one(users, { fields: [invitations.inviterId], references: [users.id] }),
  team: one(teams, { fields: [invitations.teamId], references: [teams.id] }),
}));

export const projectsRelations = relations(projects, ({ one, many }) => ({
  organization: one(organizations, { fields: [projects.organizationId], references: [organizations.id] }),
  creator: one(users, { fields: [projects.createdBy], references: [users.id] }),
  usageEvents: many(usageEvents),
}));

// Billing

export const plansRelations = relations(plans, ({ many }) => ({
  subscriptions: many(subscriptions),
  products: many(products),
}));

export const subscriptionsRelations = relations(subscriptions, ({ one, many }) => ({
  organization: one(organizations, {
    fields: [subscriptions.organizationId],
    references: [organizations.id],
  }),
  plan: one(plans, { fields: [subscriptions.planId], references: [plans.id] }),
  invoices: many(invoices),
}));

export const organizationModulesRelations = relations(organizationModules, ({ one }) => ({
  organization: one(organizations, {
    fields: [organizationModules.organizationId],
    references: [organizations.id],
  }),
}));

export const billingAccountsRelations = relations(billingAccounts, ({ one, many }) => ({
  organization: one(organizations, {
    fields: [billingAccounts.organizationId],
    references: [organizations.id],
  }),
  invoices: many(invoices),
  payments: many(payments),
  credits: many(credits),
}));

export const servicesRelations = relations(services, ({ one, many }) => ({
  organization: one(organizations, { fields: [services.organizationId], references: [organizations.id] }),
  lineItems: many(invoiceLineItems),
}));

export const invoicesRelations = relations(invoices, ({ one, many }) => ({
  billingAccount: one(billingAccounts, {
    fields: [invoices.billingAccountId],
    references: [billingAccounts.id],
  }),
  subscription: one(subscriptions, { fields: [invoices.subscriptionId], references: [subscriptions.id] }),
  lineItems: many(invoiceLineItems),
  payments: many(payments),
}));

export const invoiceLineItemsRelations = relations(invoiceLineItems, ({ one }) => ({
  invoice: one(invoices, { fields: [invoiceLineItems.invoiceId], references: [invoices.id] }),
  service: one(services, { fields: [invoiceLineItems.serviceId], references: [services.id] }),
}));

export const paymentsRelations = relations(payments, ({ one }) => ({
  billingAccount: one(billingAccounts, {
    fields: [payments.billingAccountId],
    references: [billingAccounts.id],
  }),
  invoice: one(invoices, { fields: [payments.invoiceId], references: [invoices.id] }),
  recordedByUser: one(users, { fields: [payments.recordedBy], references: [users.id] }),
}));

export const creditsRelations = relations(credits, ({ one }) => ({
  billingAccount: one(billingAccounts, {
    fields: [credits.billingAccountId],
    references: [billingAccounts.id],
  }),
  issuedBy: one(users, { fields: [credits.issuedById], references: [users.id] }),
}));

// API and usage

export const apiKeysRelations = relations(apiKeys, ({ one, many }) => ({
  organization: one(organizations, { fields: [apiKeys.organizationId], references: [organizations.id] }),
  creator: one(users, { fields: [apiKeys.userId], references: [users.id] }),
  usageEvents: many(usageEvents),
}));

export const usageEventsRelations = relations(usageEvents, ({ one }) => ({
  organization: one(organizations, { fields: [usageEvents.organizationId], references: [organizations.id] }),
  apiKey: one(apiKeys, { fields: [usageEvents.apiKeyId], references: [apiKeys.id] }),
  project: one(projects, { fields: [usageEvents.projectId], references: [projects.id] }),
}));

// Support, audit, settings

export const supportTicketsRelations = relations(supportTickets, ({ one, many }) => ({
  organization: one(organizations, {
    fields: [supportTickets.organizationId],
    references: [organizations.id],
  }),
  customer: one(users, {
    fields: [supportTickets.customerId],
    references: [users.id],
    relationName: 'customer',
  }),
  assignee: one(users, {
    fields: [supportTickets.assigneeId],
    references: [users.id],
    relationName: 'assignee',
  }),
  messages: many(supportMessages),
}));

export const supportMessagesRelations = relations(supportMessages, ({ one }) => ({
  ticket: one(supportTickets, { fields: [supportMessages.ticketId], references: [supportTickets.id] }),
  sender: one(users, { fields: [supportMessages.senderId], references: [users.id] }),
}));

export const auditLogsRelations = relations(auditLogs, ({ one }) => ({
  user: one(users, { fields: [auditLogs.userId], references: [users.id] }),
}));

export const systemSettingsRelations = relations(systemSettings, ({ one }) => ({
  updatedByUser: one(users, { fields: [systemSettings.updatedBy], references: [users.id] }),
}));

// Events

export const appsRelations = relations(apps, ({ one, many }) => ({
  organization: one(organizations, { fields: [apps.organizationId], references: [organizations.id] }),
  rooms: many(rooms),
}));

export const roomsRelations = relations(rooms, ({ one, many }) => ({
  app: one(apps, { fields: [rooms.appId], references: [apps.appId] }),
  organizer: one(users, { fields: [rooms.createdBy], references: [users.id] }),
  organization: one(organizations, { fields: [rooms.organizationId], references: [organizations.id] }),
  participants: many(participants),
  prizes: many(prizes),
  winners: many(winners),
}));

export const participantsRelations = relations(participants, ({ one, many }) => ({
  room: one(rooms, { fields: [participants.roomId], references: [rooms.id] }),
  user: one(users, { fields: [participants.userId], references: [users.id] }),
  wins: many(winners),
}));

export const prizesRelations = relations(prizes, ({ one, many }) => ({
  room: one(rooms, { fields: [prizes.roomId], references: [rooms.id] }),
  winners: many(winners),
}));

export const winnersRelations = relations(winners, ({ one }) => ({
  room: one(rooms, { fields: [winners.roomId], references: [rooms.id] }),
  prize: one(prizes, { fields: [winners.prizeId], references: [prizes.id] }),
  participant: one(participants, { fields: [winners.participantId], references: [participants.id] }),
}));

// Store

export const productsRelations = relations(products, ({ one, many }) => ({
  plan: one(plans, { fields: [products.planId], references: [plans.id] }),
  prices: many(prices),
  orderItems: many(orderItems),
  reviews: many(productReviews),
  categoryLinks: many(productCategoryLinks),
  productDiscounts: many(productDiscounts),
}));

export const pricesRelations = relations(prices, ({ one, many }) => ({
  product: one(products, { fields: [prices.productId], references: [products.id] }),
  orderItems: many(orderItems),
}));

export const productCategoriesRelations = relations(productCategories, ({ one, many }) => ({
  parent: one(productCategories, {
    fields: [productCategories.parentId],
    references: [productCategories.id],
    relationName: 'category_parent',
  }),
  children: many(productCategories, { relationName: 'category_parent' }),
  links: many(productCategoryLinks),
}));

export const productCategoryLinksRelations = relations(productCategoryLinks, ({ one }) => ({
  product: one(products, { fields: [productCategoryLinks.productId], references: [products.id] }),
  category: one(productCategories, {
    fields: [productCategoryLinks.categoryId],
    references: [productCategories.id],
  }),
}));

export const productReviewsRelations = relations(productReviews, ({ one }) => ({
  product: one(products, { fields: [productReviews.productId], references: [products.id] }),
  user: one(users, { fields: [productReviews.userId], references: [users.id] }),
}));

export const ordersRelations = relations(orders, ({ one, many }) => ({
  user: one(users, { fields: [orders.userId], references: [users.id] }),
  organization: one(organizations, { fields: [orders.organizationId], references: [organizations.id] }),
  items: many(orderItems),
  refunds: many(refunds),
  discountUsages: many(discountUsages),
}));

export const orderItemsRelations = relations(orderItems, ({ one }) => ({
  order: one(orders, { fields: [orderItems.orderId], references: [orders.id] }),
  product: one(products, { fields: [orderItems.productId], references: [products.id] }),
  price: one(prices, { fields: [orderItems.priceId], references: [prices.id] }),
}));

export const paymentMethodsRelations = relations(paymentMethods, ({ one }) => ({
  user: one(users, { fields: [paymentMethods.userId], references: [users.id] }),
}));

export const discountsRelations = relations(discounts, ({ many }) => ({
  productDiscounts: many(productDiscounts),
  usages: many(discountUsages),
}));

export const productDiscountsRelations = relations(productDiscounts, ({ one }) => ({
  product: one(products, { fields: [productDiscounts.productId], references: [products.id] }),
  discount: one(discounts, { fields: [productDiscounts.discountId], references: [discounts.id] }),
}));

export const discountUsagesRelations = relations(discountUsages, ({ one }) => ({
  discount: one(discounts, { fields: [discountUsages.discountId], references: [discounts.id] }),
  user: one(users, { fields: [discountUsages.userId], references: [users.id] }),
  order: one(orders, { fields: [discountUsages.orderId], references: [orders.id] }),
}));

export const refundsRelations = relations(refunds, ({ one }) => ({
  order: one(orders, { fields: [refunds.orderId], references: [orders.id] }),
}));
