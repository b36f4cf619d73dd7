export declare const SERVICES: Record<string, string>;
export declare function bundleServices(outDir?: string, names?: string[]): Promise<Array<{ name: string; outfile: string; bytes: number }>>;
export declare function buildImageLayout(dir: string, names?: string[]): Promise<Record<string, string>>;
