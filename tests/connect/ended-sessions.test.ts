import { defineEndedSessionsSuite } from "./ended-sessions-suite";

defineEndedSessionsSuite("pglite");
