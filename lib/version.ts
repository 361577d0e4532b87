/** busmsg's version; deno.json's "version" must match (a test checks). */
export const VERSION = "0.1.0";
