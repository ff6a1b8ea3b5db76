/**
 * Bytes one Log Analytics query may bill by default: 10 GiB, about 6 cents at on-demand prices ($6.25 per
 * TiB). A 6-hour window of a service writing a million 1 KB entries scans about 1 GiB, so the default leaves
 * room for ten times that before BigQuery refuses the query.
 */
export const DEFAULT_MAXIMUM_BYTES_BILLED = 10 * 1024 ** 3;
