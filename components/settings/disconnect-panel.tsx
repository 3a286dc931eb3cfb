import type { ConnectionSummary } from "@/lib/connections/queries";
import { readEntryCount } from "@/lib/settings/read";
import type { SettingsActions } from "./actions";
import { DisconnectDialog } from "./disconnect-dialog";
import { Panel } from "./panel";

export async function DisconnectPanel({
  connection,
  locale,
  actions,
}: {
  connection: ConnectionSummary;
  locale: string;
  actions: SettingsActions;
}) {
  const entryCount = await readEntryCount(connection);
  return (
    <Panel
      id={`disconnect-${connection.companyId}`}
      title="Disconnect"
      testId="disconnect-panel"
      description={`Uninstall the portal at Pleo for ${connection.companyName} and stop syncing. You choose whether to keep or delete the synced data.`}
      action={
        <DisconnectDialog
          companyId={connection.companyId}
          companyName={connection.companyName}
          entryCount={entryCount}
          locale={locale}
          action={actions.disconnect}
        />
      }
    >
      <p className="text-sm text-muted">
        Reconnecting instead keeps everything: use Reconnect above when Pleo stopped accepting the connection.
      </p>
    </Panel>
  );
}
