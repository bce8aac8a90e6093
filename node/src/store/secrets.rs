//! The secrets: the vault (the data key wrapped under the passphrase), the node key and the
//! wallet, each value sealed with the data key when the store is encrypted.

use super::*;

impl Store {
    // ---------- vault ----------

    /// True when the store's secrets (node key, wallet) are encrypted under a passphrase.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn vault_header(&self) -> Result<Option<VaultHeader>, StoreError> {
        self.get(&Key::Vault)
    }

    /// Encrypts this (new) store's secrets under `passphrase` from now on. Refused once the
    /// store holds a node key, so nothing already stored stays in the clear.
    pub fn create_vault(&self, passphrase: &str, params: KdfParams) -> Result<(), StoreError> {
        if self.is_encrypted() || self.get_raw(&Key::NodeSeed)?.is_some() {
            return Err(StoreError::Conflict(
                "this data dir already has a node key; its encryption is set at init".into(),
            ));
        }
        let (vault, header) = Vault::create(passphrase, params)?;
        self.put_one(&Key::Vault, &header)?;
        self.adopt_vault(vault);
        Ok(())
    }

    /// From now on this store's secrets are sealed and opened with `vault`.
    pub(super) fn adopt_vault(&self, vault: Vault) {
        let _ = self.vault.set(vault);
        self.encrypted
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Unlocks the secrets with `passphrase`. A wrong passphrase changes nothing. A store without
    /// a vault needs no passphrase (this is then a no-op).
    pub fn unlock(&self, passphrase: &str) -> Result<(), StoreError> {
        let Some(header) = self.vault_header()? else {
            return Ok(());
        };
        if self.vault.get().is_none() {
            let _ = self.vault.set(Vault::unlock(&header, passphrase)?);
        } else {
            self.check_passphrase(passphrase)?;
        }
        Ok(())
    }

    /// Checks `passphrase` against the vault (owner confirmation for export and delete).
    pub fn check_passphrase(&self, passphrase: &str) -> Result<(), StoreError> {
        match self.vault_header()? {
            None => Err(StoreError::Conflict(
                "this store has no passphrase (it was initialised without one)".into(),
            )),
            Some(h) => Vault::unlock(&h, passphrase)
                .map(|_| ())
                .map_err(Into::into),
        }
    }

    /// Encrypts an initialised store that has no passphrase yet (a node set up without one):
    /// a new vault, and the node key and every wallet credential sealed under it, all in one
    /// batch with the vault header. A failure leaves the store as it was.
    pub fn encrypt_existing(
        &self,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<usize, StoreError> {
        if self.is_encrypted() {
            return Err(StoreError::Conflict(
                "this store is already encrypted: change its passphrase instead".into(),
            ));
        }
        let seed = self.node_seed()?;
        let wallet = self.wallet()?;
        let (vault, header) = Vault::create(passphrase, params)?;
        let mut batch = WriteBatch::default();
        self.put(&mut batch, &Key::Vault, &header)?;
        self.put_secrets(&mut batch, Some(&vault), seed.as_deref(), &wallet)?;
        self.db.write(batch)?;
        self.adopt_vault(vault);
        Ok(wallet.len())
    }

    /// Re-wraps the data key under a new passphrase (one write; values are not re-encrypted).
    pub fn change_passphrase(&self, old: &str, new: &str) -> Result<(), StoreError> {
        let header = self
            .vault_header()?
            .ok_or_else(|| StoreError::Conflict("this store has no passphrase to change".into()))?;
        let vault = Vault::unlock(&header, old)?;
        let new_header = vault.wrap(new, header.params)?;
        self.put_one(&Key::Vault, &new_header)
    }

    /// The unlocked vault, when the store has one; `None` for a store without encryption.
    pub(super) fn unlocked_vault(&self) -> Result<Option<&Vault>, StoreError> {
        if !self.is_encrypted() {
            return Ok(None);
        }
        self.vault
            .get()
            .map(Some)
            .ok_or_else(|| StoreError::SecretsLocked {
                path: self.path.clone(),
            })
    }

    /// Adds the node seed and wallet credentials to a batch, sealed under `vault` (as they are
    /// for a store without one): the one place secrets are written.
    pub(super) fn put_secrets(
        &self,
        batch: &mut WriteBatch,
        vault: Option<&Vault>,
        seed: Option<&[u8; 32]>,
        wallet: &[WalletEntry],
    ) -> Result<(), StoreError> {
        let seal = |aad: &str, plain: &[u8]| match vault {
            None => plain.to_vec(),
            Some(v) => v.seal(aad.as_bytes(), plain),
        };
        if let Some(seed) = seed {
            self.put_raw(batch, &Key::NodeSeed, &seal(NODE_SEED_AAD, seed))?;
        }
        for e in wallet {
            let key = Key::Wallet(&e.id);
            let plain = zeroize::Zeroizing::new(enc(&key, e)?);
            self.put_raw(batch, &key, &seal(&Self::wallet_aad(&e.id), &plain))?;
        }
        Ok(())
    }

    /// Decrypts a secret value if the store has a vault (it must be unlocked).
    pub(super) fn open_secret(
        &self,
        aad: &str,
        data: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, StoreError> {
        Ok(match self.unlocked_vault()? {
            None => zeroize::Zeroizing::new(data.to_vec()),
            Some(v) => v.open(aad.as_bytes(), data)?,
        })
    }

    // ---------- keys ----------

    /// The node's Ed25519 seed (its libp2p identity and its did:key).
    pub fn node_seed(&self) -> Result<Option<zeroize::Zeroizing<[u8; 32]>>, StoreError> {
        match self.get_raw(&Key::NodeSeed)? {
            None => Ok(None),
            Some(v) => {
                let v = zeroize::Zeroizing::new(v);
                let plain = self.open_secret(NODE_SEED_AAD, &v)?;
                <[u8; 32]>::try_from(plain.as_slice())
                    .map(|s| Some(zeroize::Zeroizing::new(s)))
                    .map_err(|_| StoreError::Decode {
                        key: Key::NodeSeed.describe(),
                        reason: "seed is not 32 bytes".into(),
                    })
            }
        }
    }

    /// Stores the node's seed (encrypted when the store has a vault) and its public DID;
    /// refuses to replace an existing one.
    pub fn init_node_seed(&self, seed: &[u8; 32], did: &str) -> Result<(), StoreError> {
        self.init_node(seed, did, &[])
    }

    /// [`Store::init_node_seed`] with wallet credentials (a restored backup), in one batch.
    pub fn init_node(
        &self,
        seed: &[u8; 32],
        did: &str,
        wallet: &[WalletEntry],
    ) -> Result<(), StoreError> {
        if self.get_raw(&Key::NodeSeed)?.is_some() {
            return Err(StoreError::Conflict(
                "this data dir already has a node key".into(),
            ));
        }
        let mut batch = WriteBatch::default();
        self.put_raw(&mut batch, &Key::Did, did.as_bytes())?;
        self.put_secrets(&mut batch, self.unlocked_vault()?, Some(seed), wallet)?;
        Ok(self.db.write(batch)?)
    }

    /// The node's DID (public; readable without the passphrase).
    pub fn node_did(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .get_raw(&Key::Did)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    // ---------- wallet ----------

    pub(super) fn wallet_aad(id: &str) -> String {
        format!("wallet/{id}")
    }

    /// Stores a credential in the wallet (encrypted when the store has a vault).
    pub fn put_wallet(&self, entry: &WalletEntry) -> Result<(), StoreError> {
        self.put_wallet_all(std::slice::from_ref(entry))
    }

    /// Stores several wallet credentials in one batch (wallet import): all or nothing.
    pub fn put_wallet_all(&self, entries: &[WalletEntry]) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put_secrets(&mut batch, self.unlocked_vault()?, None, entries)?;
        Ok(self.db.write(batch)?)
    }

    /// Every wallet credential.
    pub fn wallet(&self) -> Result<Vec<WalletEntry>, StoreError> {
        self.scan_raw(Range::All(Column::Wallet))?
            .into_iter()
            .map(|(k, v)| self.open_wallet_value(&String::from_utf8_lossy(&k), &v))
            .collect()
    }

    pub(super) fn open_wallet_value(
        &self,
        id: &str,
        stored: &[u8],
    ) -> Result<WalletEntry, StoreError> {
        let plain = self.open_secret(&Self::wallet_aad(id), stored)?;
        dec(|| Key::Wallet(id).describe(), &plain)
    }

    /// One wallet credential.
    pub fn wallet_entry(&self, id: &str) -> Result<WalletEntry, StoreError> {
        let v = self
            .get_raw(&Key::Wallet(id))?
            .ok_or_else(|| StoreError::NotInWallet { id: id.to_owned() })?;
        self.open_wallet_value(id, &v)
    }

    /// Deletes a wallet credential.
    pub fn delete_wallet(&self, id: &str) -> Result<(), StoreError> {
        let key = Key::Wallet(id);
        if self.get_raw(&key)?.is_none() {
            return Err(StoreError::NotInWallet { id: id.to_owned() });
        }
        let mut batch = WriteBatch::default();
        self.delete(&mut batch, &key)?;
        Ok(self.db.write(batch)?)
    }

    /// Raw stored bytes of a wallet value (tests check that nothing is stored in the clear).
    pub fn wallet_raw_for_test(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_raw(&Key::Wallet(id))
    }
}
