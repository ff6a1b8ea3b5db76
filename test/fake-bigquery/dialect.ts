/**
 * The small GoogleSQL → DuckDB adapter the fake BigQuery runs queries through. It covers what the Log
 * Analytics query uses, nothing more: most functions become DuckDB macros with the same meaning (listed
 * in `MACROS`), and the text is rewritten only where DuckDB's syntax differs.
 */

/** DuckDB macros giving GoogleSQL functions their GoogleSQL meaning. */
export const MACROS = [
  // JSON_VALUE: a scalar as text, NULL for objects and arrays (DuckDB's json_value keeps the JSON quotes).
  // (A macro argument is repeated wherever the body names it: each body names its arguments once.)
  `CREATE MACRO gs_json_value(j, p) AS json_extract_string(json_value(j, p), '$')`,
  `CREATE MACRO gs_json_query(j, p) AS json_extract(j, p)`,
  // IF evaluates only the branch it takes, as in GoogleSQL; DuckDB's if() is a function of all three.
  `CREATE MACRO gs_if(c, a, b) AS CASE WHEN c THEN a ELSE b END`,
  `CREATE MACRO gs_json_type(j) AS
     replace(regexp_replace(lower(json_type(j)), '^(u?bigint|hugeint|double)$', 'number'), 'varchar', 'string')`,
  `CREATE MACRO gs_to_json_string(x) AS CAST(to_json(x) AS VARCHAR)`,
  // REGEXP_REPLACE replaces every match in GoogleSQL, the first only in DuckDB unless told 'g'.
  `CREATE MACRO gs_regexp_replace(s, p, r) AS regexp_replace(s, p, r, 'g')`,
  `CREATE MACRO gs_regexp_contains(s, p) AS regexp_matches(s, p)`,
  `CREATE MACRO gs_unix_millis(t) AS epoch_ms(t)`,
  `CREATE MACRO gs_byte_length(s) AS strlen(s)`,
  // A 64-bit fingerprint of a string (not Farm's: only equality matters), as a signed INT64.
  `CREATE MACRO gs_farm_fingerprint(s) AS CAST(hash(s) >> 1 AS BIGINT)`,
  // RANGE_BUCKET(x, sorted): how many elements are <= x.
  `CREATE MACRO gs_range_bucket(x, arr) AS len(list_filter(arr, c -> c <= x))`,
];

const RENAMES: Array<[RegExp, string]> = [
  [/\bIF\(/g, "gs_if("],
  [/\bJSON_VALUE\(/g, "gs_json_value("],
  [/\bJSON_QUERY\(/g, "gs_json_query("],
  [/\bJSON_TYPE\(/g, "gs_json_type("],
  [/\bTO_JSON_STRING\(/g, "gs_to_json_string("],
  [/\bREGEXP_REPLACE\(/g, "gs_regexp_replace("],
  [/\bREGEXP_CONTAINS\(/g, "gs_regexp_contains("],
  [/\bUNIX_MILLIS\(/g, "gs_unix_millis("],
  [/\bBYTE_LENGTH\(/g, "gs_byte_length("],
  [/\bFARM_FINGERPRINT\(/g, "gs_farm_fingerprint("],
  [/\bRANGE_BUCKET\(/g, "gs_range_bucket("],
  [/\bSAFE_CAST\(/g, "TRY_CAST("],
  [/\bINT64\b/g, "BIGINT"],
];

/**
 * Splits SQL into string literals and the code between them. Raw strings (r'…') pass as they are (DuckDB
 * strings have no escapes either); plain GoogleSQL strings are unescaped (\\, \', \n…) and written the
 * DuckDB way, with quotes doubled. The code is rewritten by `code`.
 */
function mapCode(sql: string, code: (text: string) => string): string {
  let out = "";
  let i = 0;
  const isRawStart = (k: number) =>
    (sql[k] === "r" || sql[k] === "R") && sql[k + 1] === "'" && !/\w/.test(sql[k - 1] ?? "");
  while (i < sql.length) {
    if (isRawStart(i)) {
      const end = sql.indexOf("'", i + 2);
      if (end < 0) throw new Error("unterminated raw string literal");
      out += sql.slice(i + 1, end + 1);
      i = end + 1;
      continue;
    }
    if (sql[i] === "'") {
      let text = "";
      let k = i + 1;
      for (; k < sql.length && sql[k] !== "'"; k++) {
        if (sql[k] !== "\\") {
          text += sql[k];
          continue;
        }
        const c = sql[++k];
        text += c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : (c ?? "");
      }
      if (k >= sql.length) throw new Error("unterminated string literal");
      out += `'${text.replace(/'/g, "''")}'`;
      i = k + 1;
      continue;
    }
    let j = i;
    while (j < sql.length && sql[j] !== "'" && !isRawStart(j)) j++;
    out += code(sql.slice(i, j));
    i = j;
  }
  return out;
}

/**
 * The DuckDB text of a GoogleSQL query; the table name in backticks becomes a quoted identifier. CTEs are
 * materialized: DuckDB would otherwise inline a CTE into every query that names it and compute it again.
 */
export function toDuckDb(sql: string): string {
  return mapCode(sql, (code) => {
    let s = code.replace(/`([^`]+)`/g, (_m, name: string) => `"${name}"`);
    s = s.replace(/(^|WITH\s+|,\s*)(\w+) AS \(/g, "$1$2 AS MATERIALIZED (");
    s = s.replace(/\bIN UNNEST\(@(\w+)\)/g, "IN (SELECT unnest($$$1))");
    s = s.replace(/@(\w+)/g, "$$$1");
    for (const [from, to] of RENAMES) s = s.replace(from, to);
    return s;
  });
}
