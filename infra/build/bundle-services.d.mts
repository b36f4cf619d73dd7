export declare const SERVICES: Record<string, string>;
export declare function bundleServices(outDir?: string, names?: string[]): Promise<Array<{ name: string; outfile: string; bytes: number }>>;
