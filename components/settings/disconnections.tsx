import { Alert } from "@/components/ui/alert";
import type { DisconnectionView } from "@/lib/connections/disconnections";
import { ActionButton } from "./action-button";
import type { SettingsActions } from "./actions";
import { dateTime } from "./format";

const UNINSTALL: Record<DisconnectionView["uninstallStatus"], string> = {
  pending: "Uninstall at Pleo pending",
  done: "Uninstalled at Pleo",
  not_needed: "Nothing left to uninstall at Pleo",
  given_up: "Uninstall at Pleo did not succeed",
  cancelled: "Connected again",
};

/**
 * The disconnects made in this session (the companies have left every session, so only here): what was
 * kept or deleted, and where the uninstall at Pleo stands, with "Retry now" while it is pending.
 */
export function Disconnections({
  items,
  locale,
  actions,
  highlight,
}: {
  items: DisconnectionView[];
  locale: string;
  actions: SettingsActions;
  highlight?: string;
}) {
  if (items.length === 0) return null;
  const n = new Intl.NumberFormat(locale);
  return (
    <section aria-labelledby="disconnects-title" id="disconnects" className="flex flex-col gap-3" tabIndex={-1}>
      <h2 id="disconnects-title" className="text-lg font-semibold">
        Disconnected in this session
      </h2>
      <ul className="flex flex-col gap-3">
        {items.map((d) => (
          <li
            key={d.id}
            data-testid="disconnection"
            data-status={d.uninstallStatus}
            aria-current={d.id === highlight ? "true" : undefined}
          >
            <Alert
              tone={d.uninstallStatus === "pending" || d.uninstallStatus === "given_up" ? "warning" : "info"}
              role="status"
              title={`${d.companyName}: ${UNINSTALL[d.uninstallStatus]}`}
              action={
                d.uninstallStatus === "pending" ? (
                  <ActionButton
                    action={actions.retryUninstall}
                    fields={{ disconnectionId: d.id }}
                    label="Retry now"
                    pendingLabel="Retrying…"
                  />
                ) : undefined
              }
            >
              <p>
                Disconnected {dateTime(locale, d.requestedAt)};{" "}
                {d.keepData
                  ? `${n.format(d.entryCount)} synced entries kept read-only (shown again if you connect it again).`
                  : `${n.format(d.entryCount)} synced entries deleted.`}
              </p>
              {d.uninstallDetail && <p className="mt-1">{d.uninstallDetail}</p>}
              {d.uninstallStatus === "pending" && d.nextAttemptAt && (
                <p className="mt-1">
                  {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"} so far; the next automatic one is at{" "}
                  {dateTime(locale, d.nextAttemptAt)}.
                </p>
              )}
            </Alert>
          </li>
        ))}
      </ul>
    </section>
  );
}
