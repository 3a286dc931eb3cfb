import { defineLinkingSuite } from "./linking-suite";

defineLinkingSuite("pglite");
