import { quote, serviceLabelFor } from "../google/filter.js";

const MAX_FRAGMENT = 120;

/** The longest constant run of a template: a search term that finds this pattern and little else. */
export function constantFragment(template: string): string {
  const parts = template.split("<*>").map((p) => p.trim());
  const longest = parts.reduce((a, b) => (b.length > a.length ? b : a), "");
  return longest.slice(0, MAX_FRAGMENT);
}

export interface LinkQuery {
  project: string;
  resourceType?: string;
  service?: string;
  template: string;
  from: Date;
  to: Date;
}

/** A Cloud Logging Logs Explorer link that opens exactly this pattern over this window. */
export function logsExplorerUrl(q: LinkQuery): string {
  const clauses = [];
  if (q.resourceType) clauses.push(`resource.type=${quote(q.resourceType)}`);
  if (q.service) clauses.push(`resource.labels.${serviceLabelFor(q.resourceType)}=${quote(q.service)}`);
  const fragment = constantFragment(q.template);
  if (fragment) clauses.push(quote(fragment));
  // encodeURIComponent leaves ( ) ' * ! alone; an unbalanced parenthesis would end a markdown link early.
  const encode = (text: string) =>
    encodeURIComponent(text).replace(/[()'*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = encode(clauses.join("\n"));
  const range = encode(`${q.from.toISOString()}/${q.to.toISOString()}`);
  return `https://console.cloud.google.com/logs/query;query=${query};timeRange=${range}?project=${encode(q.project)}`;
}
