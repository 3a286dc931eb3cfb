import type { ActionState } from "@/lib/settings/action-state";

type Action = (prev: ActionState, data: FormData) => Promise<ActionState>;

/** The page's server actions, handed to the panels (they live next to the route, app/…/pleo/actions.ts). */
export type SettingsActions = {
  saveSettings: Action;
  activateInstallation: Action;
  checkInstallation: Action;
  syncNow: Action;
  deleteHidden: Action;
  disconnect: Action;
  retryUninstall: Action;
};
