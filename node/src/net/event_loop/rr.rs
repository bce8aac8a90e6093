//! The three request-response protocols (claims, presentation requests, status syncs), handled
//! by one generic path: a peer's request is admitted by its rate limit, then handed to the node
//! service (or refused as busy when its queue is full); an answer to one of ours goes to
//! whoever is waiting for it.

use std::collections::HashMap;

use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::PeerId;
use tokio::sync::oneshot;

use super::EventLoop;
use crate::net::behaviour::VcnetBehaviour;
use crate::net::handle::NetError;
use crate::net::messages::{Inbound, RATE_LIMITED};
use crate::net::protocols::*;
use crate::net::rate_limit::Kind;

type Pending<Resp> = HashMap<OutboundRequestId, oneshot::Sender<Result<Resp, NetError>>>;

/// What differs between the protocols.
pub(super) trait Protocol {
    type Req: Send + Clone + serde::Serialize + serde::de::DeserializeOwned + 'static;
    type Resp: Send + Clone + serde::Serialize + serde::de::DeserializeOwned + 'static;
    /// Name for the logs.
    const NAME: &'static str;
    /// The rate limit a peer's requests count against.
    const KIND: Kind;
    /// Why a busy node refuses.
    const BUSY: &'static str;
    fn behaviour(
        b: &mut VcnetBehaviour,
    ) -> &mut request_response::cbor::Behaviour<Self::Req, Self::Resp>;
    fn pending(el: &mut EventLoop) -> &mut Pending<Self::Resp>;
    fn inbound(peer: PeerId, req: Self::Req, channel: ResponseChannel<Self::Resp>) -> Inbound;
    /// The channel of an inbound event given back by a full queue.
    fn channel_of(ev: Inbound) -> Option<ResponseChannel<Self::Resp>>;
    /// A refusal naming its reason; `None` where the protocol drops a refused request
    /// unanswered (the stream closes).
    fn refusal(reason: &str) -> Option<Self::Resp>;
}

/// Claims: a holder asks an issuer for its credential.
pub(super) struct Claims;
/// Presentation requests: a verifier asks a holder.
pub(super) struct Presentations;
/// Status syncs: a peer asks for the status lists it lacks.
pub(super) struct Syncs;

impl Protocol for Claims {
    type Req = ClaimRequest;
    type Resp = ClaimResponse;
    const NAME: &'static str = "issue";
    const KIND: Kind = Kind::Claim;
    const BUSY: &'static str = "issuer busy, try again";
    fn behaviour(
        b: &mut VcnetBehaviour,
    ) -> &mut request_response::cbor::Behaviour<ClaimRequest, ClaimResponse> {
        &mut b.issue
    }
    fn pending(el: &mut EventLoop) -> &mut Pending<ClaimResponse> {
        &mut el.pending_claim
    }
    fn inbound(
        peer: PeerId,
        req: ClaimRequest,
        channel: ResponseChannel<ClaimResponse>,
    ) -> Inbound {
        Inbound::Claim { peer, req, channel }
    }
    fn channel_of(ev: Inbound) -> Option<ResponseChannel<ClaimResponse>> {
        match ev {
            Inbound::Claim { channel, .. } => Some(channel),
            _ => None,
        }
    }
    fn refusal(reason: &str) -> Option<ClaimResponse> {
        Some(ClaimResponse::Refused {
            reason: reason.into(),
        })
    }
}

impl Protocol for Presentations {
    type Req = PresentationRequest;
    type Resp = PresentationResponse;
    const NAME: &'static str = "present";
    const KIND: Kind = Kind::Present;
    const BUSY: &'static str = "holder busy, try again";
    fn behaviour(
        b: &mut VcnetBehaviour,
    ) -> &mut request_response::cbor::Behaviour<PresentationRequest, PresentationResponse> {
        &mut b.present
    }
    fn pending(el: &mut EventLoop) -> &mut Pending<PresentationResponse> {
        &mut el.pending_present
    }
    fn inbound(
        peer: PeerId,
        req: PresentationRequest,
        channel: ResponseChannel<PresentationResponse>,
    ) -> Inbound {
        Inbound::Present { peer, req, channel }
    }
    fn channel_of(ev: Inbound) -> Option<ResponseChannel<PresentationResponse>> {
        match ev {
            Inbound::Present { channel, .. } => Some(channel),
            _ => None,
        }
    }
    fn refusal(reason: &str) -> Option<PresentationResponse> {
        Some(PresentationResponse::Refused {
            reason: reason.into(),
        })
    }
}

impl Protocol for Syncs {
    type Req = StatusSyncRequest;
    type Resp = StatusSyncResponse;
    const NAME: &'static str = "status-sync";
    const KIND: Kind = Kind::Sync;
    const BUSY: &'static str = "busy";
    fn behaviour(
        b: &mut VcnetBehaviour,
    ) -> &mut request_response::cbor::Behaviour<StatusSyncRequest, StatusSyncResponse> {
        &mut b.status_sync
    }
    fn pending(el: &mut EventLoop) -> &mut Pending<StatusSyncResponse> {
        &mut el.pending_sync
    }
    fn inbound(
        peer: PeerId,
        req: StatusSyncRequest,
        channel: ResponseChannel<StatusSyncResponse>,
    ) -> Inbound {
        Inbound::Sync { peer, req, channel }
    }
    fn channel_of(ev: Inbound) -> Option<ResponseChannel<StatusSyncResponse>> {
        match ev {
            Inbound::Sync { channel, .. } => Some(channel),
            _ => None,
        }
    }
    /// Over the limit or busy, a sync is dropped unanswered and counted: the requester sees
    /// the stream close and syncs later (each unanswered one over the limit is a strike).
    fn refusal(_reason: &str) -> Option<StatusSyncResponse> {
        None
    }
}

impl EventLoop {
    /// One event of protocol `P`.
    pub(super) fn on_rr<P: Protocol>(&mut self, e: request_response::Event<P::Req, P::Resp>) {
        match e {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => self.on_request::<P>(peer, request, channel),
                request_response::Message::Response {
                    request_id,
                    response,
                } => reply(P::pending(self), request_id, Ok(response)),
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                tracing::warn!(%peer, protocol = P::NAME, %error, "request failed");
                let err = NetError::Request {
                    peer: peer.to_string(),
                    reason: error.to_string(),
                };
                reply(P::pending(self), request_id, Err(err));
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::warn!(%peer, protocol = P::NAME, %error, "inbound request failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn on_request<P: Protocol>(
        &mut self,
        peer: PeerId,
        request: P::Req,
        channel: ResponseChannel<P::Resp>,
    ) {
        if !self.admit(peer, P::KIND) {
            self.refuse::<P>(channel, RATE_LIMITED);
            return;
        }
        if let Err(ev) = self.forward(P::inbound(peer, request, channel)) {
            if let Some(channel) = P::channel_of(*ev) {
                self.refuse::<P>(channel, P::BUSY);
            }
        }
    }

    fn refuse<P: Protocol>(&mut self, channel: ResponseChannel<P::Resp>, reason: &str) {
        if let Some(r) = P::refusal(reason) {
            let _ = P::behaviour(self.swarm.behaviour_mut()).send_response(channel, r);
        }
    }
}

/// Delivers a result to whoever is waiting for that request id.
fn reply<Resp>(pending: &mut Pending<Resp>, id: OutboundRequestId, result: Result<Resp, NetError>) {
    if let Some(tx) = pending.remove(&id) {
        let _ = tx.send(result);
    }
}
