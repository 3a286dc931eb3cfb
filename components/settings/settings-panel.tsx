import type { ConnectionSummary } from "@/lib/connections/queries";
import { readSettingsPanel } from "@/lib/settings/read";
import type { SettingsActions } from "./actions";
import { DeleteHiddenDialog } from "./delete-hidden-dialog";
import { dateOnly } from "./format";
import { Panel } from "./panel";
import { SettingsForm } from "./settings-form";

/** The company's settings form, and what its history window hides (with the separate "delete" action). */
export async function SettingsPanel({
  connection,
  locale,
  actions,
}: {
  connection: ConnectionSummary;
  locale: string;
  actions: SettingsActions;
}) {
  const s = await readSettingsPanel(connection);
  const n = new Intl.NumberFormat(locale);
  const hidden = `${n.format(s.entries.hidden)} ${s.entries.hidden === 1 ? "expense" : "expenses"}`;
  return (
    <Panel
      id={`settings-${connection.companyId}`}
      title="Sync settings"
      testId="settings-panel"
      description={
        s.savedAt
          ? `Saved ${dateOnly(locale, s.savedAt)}. Saving also updates the portal's installation at Pleo.`
          : "Not saved yet: saving them the first time activates the portal's installation at Pleo."
      }
    >
      <SettingsForm companyId={connection.companyId} values={s.values} action={actions.saveSettings} />
      {s.windowStart && (
        // Rendered whenever the window hides anything by date, so the delete dialog and its answer stay
        // mounted after the delete leaves nothing hidden.
        <div
          className="mt-4 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-black/10 bg-surface px-4 py-3 text-sm"
          data-testid="hidden-entries"
        >
          <p>
            {s.entries.hidden > 0
              ? `${hidden} from before ${dateOnly(locale, s.windowStart, s.timeZone)} ${s.entries.hidden === 1 ? "is" : "are"} hidden by the history window. ${s.entries.hidden === 1 ? "It stays" : "They stay"} stored until you delete ${s.entries.hidden === 1 ? "it" : "them"}.`
              : `No stored expenses are older than the history window (${dateOnly(locale, s.windowStart, s.timeZone)}).`}
          </p>
          <DeleteHiddenDialog
            companyId={connection.companyId}
            hidden={hidden}
            before={dateOnly(locale, s.windowStart, s.timeZone)}
            disabled={s.entries.hidden === 0}
            action={actions.deleteHidden}
          />
        </div>
      )}
    </Panel>
  );
}
