// `npx tsx bench/profile-summary.ts DIR`: the hottest functions (self time) of the main thread's .cpuprofile in
// DIR, and the share of time under a few markers (React rendering, the Remix router, Drizzle, postgres.js).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2] ?? '/tmp/prof';
// tsx runs a loader thread with its own profile: the main thread's is the largest file.
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(dir, f))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0];
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

const label = (n: Node) => {
  const url = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/work\/[^/]+\//, '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};
const selfByLabel = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id);
  if (n) selfByLabel.set(label(n), (selfByLabel.get(label(n)) ?? 0) + t);
}
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n\nself time, top 25:`);
for (const [name, t] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`);

// Inclusive share under markers: a sample counts for a marker when any frame on its stack matches.
const markers: Record<string, RegExp> = {
  'react-dom server render': /react-dom/,
  'remix router (matchRoutes etc.)': /@remix-run\/router|react-router/,
  '@remix-run/server-runtime': /@remix-run\/server-runtime/,
  'drizzle-orm': /drizzle-orm/,
  'postgres.js': /postgres\/src|postgres\/cjs/,
  express: /express|body-parser|compression/,
  'garbage collection': /^\(garbage collector\)/,
};
const inclusive = Object.fromEntries(Object.keys(markers).map((k) => [k, 0]));
for (const [id, t] of self) {
  const hit = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (!n) break;
    for (const [k, re] of Object.entries(markers))
      if (re.test(n.callFrame.url) || re.test(n.callFrame.functionName)) hit.add(k);
  }
  for (const k of hit) inclusive[k]! += t;
}
console.log('\ninclusive share:');
for (const [k, t] of Object.entries(inclusive))
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
