export declare const LAUNCHER_ENTRY: string;
export declare const LAUNCHER_BUNDLE: string;
export declare function launcherBundleStale(bundle?: string): string | null;
export declare function buildLauncherBundle(bundle?: string, entry?: string): Promise<{ sources: number; bytes: number }>;
export declare function freshLauncherBundle(bundle?: string, warn?: (message: string) => void): Promise<string | null>;
