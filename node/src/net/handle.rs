//! The cloneable handle through which the rest of the node uses the network.

use libp2p::request_response::ResponseChannel;
use libp2p::{gossipsub, Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};

use super::messages::{Command, NetStats, PeerInfo, Validation};
use super::protocols::*;

/// Why a network operation failed.
#[derive(Debug, thiserror::Error, Clone)]
pub enum NetError {
    #[error("the network task has stopped")]
    LoopStopped,
    #[error("peer {peer}: {reason}")]
    Request { peer: String, reason: String },
    #[error("dial {addr}: {reason}")]
    Dial { addr: String, reason: String },
    #[error("publish: {0}")]
    Publish(String),
}

/// Talks to the [`super::EventLoop`]. Cheap to clone.
#[derive(Clone)]
pub struct NetHandle {
    pub(super) tx: mpsc::Sender<Command>,
    pub(super) local_peer_id: PeerId,
}

impl NetHandle {
    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, NetError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(make(tx))
            .await
            .map_err(|_| NetError::LoopStopped)?;
        rx.await.map_err(|_| NetError::LoopStopped)
    }

    /// Dials an address.
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), NetError> {
        self.ask(|reply| Command::Dial { addr, reply }).await?
    }

    /// Sends a claim to an issuer.
    pub async fn claim(&self, peer: PeerId, req: ClaimRequest) -> Result<ClaimResponse, NetError> {
        self.ask(|reply| Command::Claim { peer, req, reply })
            .await?
    }

    /// Asks a holder for a presentation.
    pub async fn request_presentation(
        &self,
        peer: PeerId,
        req: PresentationRequest,
    ) -> Result<PresentationResponse, NetError> {
        self.ask(|reply| Command::Present { peer, req, reply })
            .await?
    }

    /// Asks a peer for status updates.
    pub async fn status_sync(
        &self,
        peer: PeerId,
        req: StatusSyncRequest,
    ) -> Result<StatusSyncResponse, NetError> {
        self.ask(|reply| Command::Sync { peer, req, reply }).await?
    }

    /// Answers an inbound claim.
    pub async fn respond_claim(
        &self,
        channel: ResponseChannel<ClaimResponse>,
        resp: ClaimResponse,
    ) -> Result<(), NetError> {
        self.tx
            .send(Command::RespondClaim { channel, resp })
            .await
            .map_err(|_| NetError::LoopStopped)
    }

    /// Answers an inbound presentation request.
    pub async fn respond_present(
        &self,
        channel: ResponseChannel<PresentationResponse>,
        resp: PresentationResponse,
    ) -> Result<(), NetError> {
        self.tx
            .send(Command::RespondPresent { channel, resp })
            .await
            .map_err(|_| NetError::LoopStopped)
    }

    /// Answers an inbound status sync request.
    pub async fn respond_sync(
        &self,
        channel: ResponseChannel<StatusSyncResponse>,
        resp: StatusSyncResponse,
    ) -> Result<(), NetError> {
        self.tx
            .send(Command::RespondSync { channel, resp })
            .await
            .map_err(|_| NetError::LoopStopped)
    }

    /// Publishes on a gossip topic.
    pub async fn publish(&self, topic: &'static str, data: Vec<u8>) -> Result<(), NetError> {
        self.ask(|reply| Command::Publish { topic, data, reply })
            .await?
    }

    /// Reports the validation verdict for a received gossip message (forward, reject, ignore).
    pub async fn report(
        &self,
        id: gossipsub::MessageId,
        source: PeerId,
        validation: Validation,
    ) -> Result<(), NetError> {
        self.tx
            .send(Command::Report {
                id,
                source,
                validation,
            })
            .await
            .map_err(|_| NetError::LoopStopped)
    }

    /// Peers this node knows, with what they announced.
    pub async fn peers(&self) -> Result<Vec<PeerInfo>, NetError> {
        self.ask(|reply| Command::Peers { reply }).await
    }

    /// How many peers a connection is open to now.
    pub async fn connected(&self) -> Result<usize, NetError> {
        Ok(self.peers().await?.iter().filter(|p| p.connected).count())
    }

    /// The network task's counters.
    pub async fn stats(&self) -> Result<NetStats, NetError> {
        self.ask(|reply| Command::Stats { reply }).await
    }

    /// Addresses this node listens on.
    pub async fn listeners(&self) -> Result<Vec<Multiaddr>, NetError> {
        self.ask(|reply| Command::Listeners { reply }).await
    }
}
