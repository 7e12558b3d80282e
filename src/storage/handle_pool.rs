//! The open file handles of every torrent of the process, at most
//! [`MAX_OPEN_FILES`] together, the least recently used dropped first: a
//! seeder of thousands of torrents keeps tens of descriptors for its files,
//! not one or more per torrent.
//!
//! A handle in use by another thread stays open until that thread is done
//! with it (handles are `Arc`s), so the bound can be passed by the handles in
//! use at one moment, never by the number of torrents.

use std::collections::HashMap;
use std::fs::File;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// How many file handles the process keeps open at most.
pub(crate) const MAX_OPEN_FILES: usize = 128;

/// The fewest it keeps, however low the descriptor limit.
const MIN_OPEN_FILES: usize = 8;

/// Open handles by owner (one file set) and file index.
#[derive(Debug)]
pub(crate) struct HandlePool {
    capacity: usize,
    next_owner: AtomicU64,
    state: Mutex<PoolState>,
}

#[derive(Debug, Default)]
struct PoolState {
    clock: u64,
    handles: HashMap<(u64, usize), (Arc<File>, u64)>,
}

impl HandlePool {
    /// A pool of at most `capacity` handles.
    pub(crate) fn new(capacity: usize) -> HandlePool {
        HandlePool {
            capacity,
            next_owner: AtomicU64::new(0),
            state: Mutex::new(PoolState::default()),
        }
    }

    /// The process's pool: a quarter of its descriptor limit (the rest is
    /// for sockets), between [`MIN_OPEN_FILES`] and [`MAX_OPEN_FILES`].
    pub(crate) fn shared() -> Arc<HandlePool> {
        static SHARED: OnceLock<Arc<HandlePool>> = OnceLock::new();
        let capacity = || (descriptor_limit() / 4).clamp(MIN_OPEN_FILES, MAX_OPEN_FILES);
        Arc::clone(SHARED.get_or_init(|| Arc::new(HandlePool::new(capacity()))))
    }

    /// A new owner's id, for one file set.
    pub(crate) fn new_owner(&self) -> u64 {
        self.next_owner.fetch_add(1, Ordering::Relaxed)
    }

    /// `owner`'s cached handle of `file`, marked as just used.
    pub(crate) fn get(&self, owner: u64, file: usize) -> Option<Arc<File>> {
        self.lock().get(owner, file)
    }

    /// Caches `handle` as `owner`'s `file`, dropping the least recently used
    /// handle when full. If another thread cached one meanwhile, that one wins.
    pub(crate) fn insert(&self, owner: u64, file: usize, handle: File) -> Arc<File> {
        let mut state = self.lock();
        if let Some(existing) = state.get(owner, file) {
            return existing;
        }
        if state.handles.len() >= self.capacity {
            state.evict_oldest();
        }
        let handle = Arc::new(handle);
        let clock = state.clock;
        state
            .handles
            .insert((owner, file), (Arc::clone(&handle), clock));
        handle
    }

    /// Drops every handle of `owner` (its file set is gone).
    pub(crate) fn forget(&self, owner: u64) {
        self.lock()
            .handles
            .retain(|(holder, _), _| *holder != owner);
    }

    /// How many handles are cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().handles.len()
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        crate::sync::lock(&self.state)
    }
}

/// The process's soft limit on open descriptors (`ulimit -n`).
fn descriptor_limit() -> usize {
    // SAFETY: rlimit is plain data, and getrlimit only writes it.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `limit` is a valid rlimit to write.
    match unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } {
        0 => usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX),
        _ => MAX_OPEN_FILES * 4,
    }
}

impl PoolState {
    fn get(&mut self, owner: u64, file: usize) -> Option<Arc<File>> {
        self.clock += 1;
        let clock = self.clock;
        self.handles
            .get_mut(&(owner, file))
            .map(|(handle, last_use)| {
                *last_use = clock;
                Arc::clone(handle)
            })
    }

    fn evict_oldest(&mut self) {
        let oldest = self
            .handles
            .iter()
            .min_by_key(|(_, (_, last_use))| *last_use)
            .map(|(&key, _)| key);
        if let Some(oldest) = oldest {
            self.handles.remove(&oldest);
        }
    }
}
