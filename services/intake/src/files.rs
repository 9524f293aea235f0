//! Material files in an object store (`object_store`): a local directory by default,
//! S3-compatible storage in production.

use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, local::LocalFileSystem, path::Path};

/// Content types a material file may have.
pub const ALLOWED_TYPES: &[&str] = &[
    "application/pdf",
    "image/jpeg",
    "image/png",
    "application/ofd",
];

/// Largest material file, in bytes (20 MiB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// The material store.
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Files({})", self.store)
    }
}

impl Files {
    /// Opens the store at `url`: `file:///absolute/dir` (created if missing) or
    /// `s3://bucket` (credentials, region and endpoint from the usual `AWS_*` variables).
    pub fn open(url: &str) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = if let Some(dir) = url.strip_prefix("file://") {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("Failed to create the material directory {dir}"))?;
            Arc::new(
                LocalFileSystem::new_with_prefix(dir)
                    .with_context(|| format!("Failed to open the material directory {dir}"))?,
            )
        } else if let Some(bucket) = url.strip_prefix("s3://") {
            Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket.trim_end_matches('/'))
                    .build()
                    .context("Failed to configure the S3 material store")?,
            )
        } else {
            anyhow::bail!("materials url must start with file:// or s3://, got {url}");
        };
        Ok(Self { store })
    }

    /// Stores `bytes` under `key`.
    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.store
            .put(&Path::from(key), PutPayload::from(bytes))
            .await
            .context("Failed to store a material file")?;
        Ok(())
    }

    /// Reads the file under `key`.
    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let found = self
            .store
            .get(&Path::from(key))
            .await
            .context("Failed to read a material file")?;
        found
            .bytes()
            .await
            .context("Failed to read a material file")
    }
}
