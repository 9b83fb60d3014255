//! The API server's handling of a DELETE: admission first (a webhook may refuse it,
//! R-OBJ-7, R-WH-4), then the deletion timestamp and the propagation finalizers
//! (R-OBJ-2, R-OBJ-5, R-OBJ-6), and removal at once of an object left without
//! finalizers (apiserver `pkg/registry/generic/registry/store.go`, `Delete`). A namespace
//! is never removed by its DELETE (R-NSAPI-2): the namespace controller finishes it.

use preflight_model::ObjectKey;

use super::finalizers::{FOREGROUND, ORPHAN};
use super::webhooks::Operation;
use super::{Cluster, DeletionRequest, Propagation, State};
use crate::causes::{DeleteCause, Refusal};

impl Cluster<'_> {
    pub(super) fn request(&mut self, request: &DeletionRequest) {
        let Some(i) = self.position(&request.key) else {
            return;
        };
        let _ = self.api_delete(i, request.propagation, &request.cause, None);
    }

    /// A DELETE through the API, which admission may refuse (R-OBJ-7, R-WH-4); the
    /// refusal is remembered as the object's reason.
    pub(super) fn api_delete(
        &mut self,
        i: usize,
        propagation: Propagation,
        cause: &DeleteCause,
        cause_key: Option<ObjectKey>,
    ) -> Result<(), Refusal> {
        if self.state[i] == State::Gone {
            return Ok(());
        }
        if let Some(error) = self.admission_error(Operation::Delete, i) {
            if self.cause[i].is_none() {
                self.cause[i] = Some(cause.clone());
                self.cause_key[i] = cause_key;
            }
            self.refused[i] = Some(error.clone());
            return Err(error);
        }
        self.refused[i] = None;
        self.start_deletion(i, propagation, cause, cause_key);
        Ok(())
    }

    /// The API server's handling of a DELETE (R-OBJ-2, R-OBJ-5, R-OBJ-6, R-NSAPI-2).
    pub(super) fn start_deletion(
        &mut self,
        i: usize,
        propagation: Propagation,
        cause: &DeleteCause,
        cause_key: Option<ObjectKey>,
    ) {
        if self.state[i] == State::Gone {
            return;
        }
        let is_namespace = self.is_namespace(i);
        // Pods only record the first request's options while their grace period runs.
        let is_pod = self.key(i).group.is_empty() && self.key(i).kind == "Pod";
        let finalizers = &mut self.finalizers[i];
        if !(is_pod && self.state[i] == State::Deleting) {
            finalizers.retain(|f| f != FOREGROUND && f != ORPHAN);
            match propagation {
                Propagation::Foreground => finalizers.push(FOREGROUND.to_string()),
                Propagation::Orphan => finalizers.push(ORPHAN.to_string()),
                Propagation::Background => {}
            }
            self.propagation[i] = propagation;
        }
        if self.state[i] == State::Present {
            self.state[i] = State::Deleting;
            self.cause[i] = Some(cause.clone());
            self.cause_key[i] = cause_key;
        }
        // A namespace is never removed by the DELETE itself; everything else without
        // finalizers and without graceful deletion goes at once.
        if !is_namespace && !is_pod && self.finalizers[i].is_empty() {
            self.state[i] = State::Gone;
        }
    }
}
