import { PanelSkeleton } from "@/components/settings/panel";
import { Skeleton } from "@/components/ui/skeleton";

/** Shown while the route resolves the user and companies, before the panels stream in. */
export default function SettingsLoading() {
  return (
    <main className="mx-auto flex max-w-5xl flex-col gap-6 px-6 py-10" aria-busy>
      <div>
        <Skeleton className="h-8 w-64" />
        <Skeleton className="mt-2 h-4 w-96" />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <PanelSkeleton title="Connection health" rows={6} />
        <PanelSkeleton title="Sync" rows={6} />
      </div>
      <PanelSkeleton title="Sync settings" rows={3} />
    </main>
  );
}
