// The library half of the posting gate for one pass: everything of the pass that may be posted — templates
// (titles, bodies), service, logger, function and file names, the sample entries, the worklog — is screened
// once by the library detector after our rules; what it finds is redacted from then on, the worklog included.

import type { Cluster } from "../cluster/aggregate.js";
import { screenForPosting, type ScreenReport } from "../safety/library.js";
import type { Redactor } from "../safety/redact.js";
import { sampleView, type Worklog } from "../worklog/build.js";

/**
 * Teaches the redactor the secrets our rules found in a cluster's sample messages: masking may have cut a
 * constant secret from the words that identified it (`mongodb://u:p#?@host` → `mongodb://u:p#?<*>`), and the
 * template, which keeps the constant parts of those messages, must not show it.
 */
function learnFromSamples(cluster: Cluster, redactor: Redactor): void {
  for (const sample of cluster.samples) {
    const found = redactor.explain(sample.message).findings;
    redactor.learn(found.flatMap((f) => (f.text ? [{ text: f.text, kind: f.kind, rule: f.rule }] : [])));
  }
}

/** What the pass may post, as it would be posted (redacted by our rules). */
function* postedTexts(clusters: Cluster[], worklog: Worklog, redactor: Redactor): Generator<string> {
  for (const c of clusters) {
    learnFromSamples(c, redactor);
    yield redactor.redactTemplate(c.template);
    for (const name of [c.service, c.logger, c.function, ...c.locations])
      if (name) yield redactor.redactText(name);
    for (const sample of c.samples) yield JSON.stringify(sampleView(sample, redactor), null, 2);
  }
  yield JSON.stringify(worklog);
}

/**
 * Screens the pass's postable text, then redacts `analysis.worklog` again (it was built before) with what the
 * library found and the constant tokens the templates gave away.
 */
export async function screenPass(
  analysis: { clusters: Cluster[]; worklog: Worklog },
  redactor: Redactor,
): Promise<ScreenReport> {
  const before = redactor.learned();
  const texts = postedTexts(analysis.clusters, analysis.worklog, redactor);
  const report = await screenForPosting(redactor, texts, true);
  if (redactor.learned() > before) analysis.worklog = redactor.redactValue(analysis.worklog);
  return report;
}
