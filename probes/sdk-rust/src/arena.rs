//! A bump arena for the strings the host returns (the canonical ABI's
//! `cabi_realloc`): no allocator, 16 KiB, reset at the start of every hook.

const ARENA_BYTES: usize = 16 * 1024;

#[repr(C, align(8))]
struct Arena([u8; ARENA_BYTES]);

static mut ARENA: Arena = Arena([0; ARENA_BYTES]);
static mut USED: usize = 0;

/// Forget every string the host returned so far ([`hook!`](crate::hook) does it per hook).
pub fn reset_arena() {
    unsafe { USED = 0 }
}

/// The allocator the host calls to return strings. A full arena traps, which the host contains.
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(_old: *mut u8, _old_size: usize, align: usize, new_size: usize) -> *mut u8 {
    let align = if align == 0 { 1 } else { align };
    let at = (USED + align - 1) & !(align - 1);
    if at + new_size > ARENA_BYTES {
        core::arch::wasm32::unreachable()
    }
    USED = at + new_size;
    (core::ptr::addr_of_mut!(ARENA) as *mut u8).add(at)
}
