/** Pleo ids are UUIDs (companies, entries, employees…); a malformed one is "not found", never a query. */
export const UUID_SOURCE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

const UUID_PATTERN = new RegExp(`^${UUID_SOURCE}$`, "i");

export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);
