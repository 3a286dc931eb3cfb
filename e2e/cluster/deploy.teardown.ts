/** Removes the deployed copy e2e/cluster/deploy.setup.ts made. */
import fs from "node:fs";
import { test as teardown } from "@playwright/test";
import { CLUSTER } from "../env";

teardown("remove the deployed install", () => {
  if (!fs.existsSync(CLUSTER.deployFile)) return;
  const { dir } = JSON.parse(fs.readFileSync(CLUSTER.deployFile, "utf8")) as { dir: string };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(CLUSTER.deployFile, { force: true });
});
