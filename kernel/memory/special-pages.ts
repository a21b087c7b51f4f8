// The kernel's page-aligned static pages in linear memory (docs/xen-memory.md): each is
// re-mapped at boot onto the machine frame Xen or a backend shares with us, so the rest of
// the kernel reaches them with ordinary loads and stores.

export const PAGE_SIZE: usize = 4096;
export const PAGE_SHIFT: i32 = 12;

const REGION: usize = memory.data(8 * 4096, 4096);

/** shared_info (mapped over the machine frame start_info.shared_info). */
export const SHARED_INFO_PAGE: usize = REGION;
/** The PV console ring (start_info.console.domU.mfn). */
export const CONSOLE_PAGE: usize = REGION + 1 * 4096;
/** The xenstore ring (start_info.store_mfn). */
export const XENSTORE_PAGE: usize = REGION + 2 * 4096;
/** Grant table v1, GRANT_FRAMES frames (GNTTABOP_setup_table). */
export const GRANT_TABLE_PAGES: usize = REGION + 3 * 4096;
export const GRANT_FRAMES: i32 = 4;
/** Our copy of start_info (ordinary memory). */
export const START_INFO_COPY: usize = REGION + 7 * 4096;
