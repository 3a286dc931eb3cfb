/**
 * How long an interactive transaction may wait to begin. PGlite, the default database, runs one
 * transaction at a time, so one begun while another runs (a sync page's commit, a disconnect or a
 * history change deleting many rows) waits its turn; Prisma's default `maxWait` of 2 s would fail it
 * there, and a sign-in or a settings save would be refused because a sync was writing. On PostgreSQL
 * it bounds the wait for a pooled connection. Spread it into a transaction's options:
 * `db.$transaction(fn, { ...WAIT_FOR_TURN, timeout: 60_000 })`; `timeout` (the transaction's own run
 * time) stays Prisma's 5 s unless the work needs more. Tested with tests/support/db.ts's
 * busyBeforeTransactions.
 */
export const WAIT_FOR_TURN = { maxWait: 30_000 } as const;
