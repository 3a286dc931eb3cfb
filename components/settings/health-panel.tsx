import { ConnectPleoLink } from "@/components/auth/connect-link";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import type { ConnectionSummary } from "@/lib/connections/queries";
import { readHealth } from "@/lib/settings/read";
import { ActionButton } from "./action-button";
import type { SettingsActions } from "./actions";
import { dateOnly, dateTime, relative } from "./format";
import { Panel } from "./panel";

/**
 * Health at a glance: status with its reason and since when, the Pleo company id, granted against needed
 * scopes, the installation at Pleo, and the refresh token's age against Pleo's 60-day minimum. Reconnect
 * is always here (it keeps data and settings); it leads when something is wrong. No token value is read.
 */
export async function HealthPanel({
  connection,
  locale,
  actions,
  returnTo,
}: {
  connection: ConnectionSummary;
  locale: string;
  actions: SettingsActions;
  returnTo: string;
}) {
  const now = new Date();
  const h = await readHealth(connection, now);
  const id = `health-${connection.companyId}`;
  const fields = { companyId: connection.companyId };
  const missing = h.scopes.filter((s) => !s.granted);
  const { token } = h;
  return (
    <Panel
      id={id}
      title="Connection health"
      testId="health-panel"
      action={
        <ConnectPleoLink returnTo={returnTo} variant={h.status.kind === "connected" ? "secondary" : "primary"}>
          Reconnect
        </ConnectPleoLink>
      }
    >
      <div className="flex flex-col gap-4 text-sm">
        <div data-testid="connection-status">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-medium">Status</span> <Badge tone={h.status.tone}>{h.status.label}</Badge>
            <span className="text-muted">
              since {dateTime(locale, h.status.since)} ({relative(locale, h.status.since, now)})
            </span>
          </p>
          <p className="mt-1">{h.status.reason}</p>
        </div>

        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2">
          <dt className="font-medium">Pleo company id</dt>
          <dd>
            <code className="rounded bg-surface px-1 py-0.5 text-xs break-all">{h.companyId}</code>
          </dd>
          <dt className="font-medium">Installation</dt>
          <dd data-testid="installation-status">
            <Badge tone={h.installation.tone}>{h.installation.label}</Badge>{" "}
            <span className="text-muted">
              {h.installation.status ? `(${h.installation.status}) ` : ""}
              {h.installation.checkedAt ? `checked ${relative(locale, h.installation.checkedAt, now)}` : ""}
            </span>
            <p className="mt-1">{h.installation.explanation}</p>
          </dd>
          <dt className="font-medium">Refresh token</dt>
          <dd data-testid="token-age">
            Last rotated {relative(locale, token.issuedAt, now)} ({dateTime(locale, token.issuedAt)}). Pleo keeps a
            refresh token valid for at least 60 days, until {dateOnly(locale, token.horizonAt)}, but may end it earlier;
            the portal renews idle connections weekly.
          </dd>
        </dl>

        {token.level !== "ok" && (
          <Alert
            tone={token.level === "error" ? "error" : "warning"}
            title={
              token.level === "error"
                ? `The refresh token reaches its 60-day mark within ${Math.max(0, Math.ceil(token.daysLeft))} days`
                : `The refresh token reaches its 60-day mark in ${Math.ceil(token.daysLeft)} days`
            }
          >
            Pleo may end it earlier. The portal renews it on the next sync; if renewing keeps failing, reconnect before{" "}
            {dateOnly(locale, token.horizonAt)} so syncing does not stop.
          </Alert>
        )}

        <div>
          <p className="font-medium">Scopes</p>
          {missing.length === 0 ? (
            <p className="text-muted">All {h.scopes.length} scopes the portal needs are granted.</p>
          ) : (
            <p className="text-red-800">
              {missing.length} of the {h.scopes.length} scopes the portal needs {missing.length === 1 ? "is" : "are"}{" "}
              missing. Reconnect and allow them in Pleo.
            </p>
          )}
          <ul className="mt-2 flex flex-col gap-1" aria-label="Scopes the portal needs">
            {h.scopes.map((s) => (
              <li key={s.scope} className="flex flex-wrap items-baseline gap-2">
                <Badge tone={s.granted ? "good" : "bad"}>{s.granted ? "Granted" : "Missing"}</Badge>
                <code className="text-xs">{s.scope}</code>
                {!s.granted && <span className="text-red-800">{s.withoutIt}</span>}
              </li>
            ))}
          </ul>
        </div>

        {h.connected && (
          <div className="flex flex-wrap gap-4 border-t border-black/5 pt-4">
            <ActionButton
              action={actions.checkInstallation}
              fields={fields}
              label="Check installation"
              pendingLabel="Checking…"
            />
            {h.settingsSavedAt && (
              // Stays mounted once active (disabled), so its answer stays readable.
              <ActionButton
                action={actions.activateInstallation}
                fields={fields}
                label="Activate installation"
                pendingLabel="Activating…"
                variant={h.canActivate ? "primary" : "secondary"}
                disabled={!h.canActivate}
                disabledReason={
                  h.installation.status === "ACTIVATED"
                    ? "Already active."
                    : "Pleo sets this status; the portal leaves it."
                }
              />
            )}
          </div>
        )}
      </div>
    </Panel>
  );
}
