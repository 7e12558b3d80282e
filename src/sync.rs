//! Locking that survives a panic elsewhere: a poisoned mutex still holds
//! consistent bookkeeping here (every critical section leaves its state
//! whole before anything can panic), so the guard is taken anyway.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, taking the guard of a poisoned one too.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
