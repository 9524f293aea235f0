//! Material files (申请材料): uploaded as multipart, one file per required material of the
//! matter, type- and size-checked, SHA-256 recorded, stored through `object_store`; listed
//! against the matter's checklist; downloaded only by those who may see the case.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use futures::TryStreamExt;
use govhall_web::{Principal, Problem};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    IntakeError,
    cases::{is_clerk_of, is_owner, local, reader},
    matters::spec_of,
    support::{Intake, idempotency_key, replayed},
};
use crate::{
    domain::CaseState,
    files::{ALLOWED_TYPES, MAX_BYTES},
    startup::AppState,
    store::{cases, drafts, materials, matters},
};

/// A stored material file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = material_example)]
pub struct MaterialOut {
    /// File id.
    pub id: Uuid,
    /// Required material it supplies.
    pub material_code: String,
    /// File name as uploaded.
    pub file_name: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Uploaded at.
    pub uploaded_at: DateTime<FixedOffset>,
}

fn out(m: materials::Model) -> MaterialOut {
    MaterialOut {
        id: m.id,
        material_code: m.material_code,
        file_name: m.file_name,
        content_type: m.content_type,
        size: m.size,
        sha256: m.sha256,
        uploaded_at: local(m.uploaded_at),
    }
}

/// The example of [`MaterialOut`] (also in the checklist).
fn material_example() -> serde_json::Value {
    serde_json::json!({"id": "01a21cf4-3868-72ea-9815-2a89dbc01b3d", "material_code": "M1",
        "file_name": "食品经营许可申请书.pdf", "content_type": "application/pdf", "size": 248731,
        "sha256": "5d0bf9ef255270c03931ed7f0db70f7a923d4e7f42de71e66cba49eb587c1c19",
        "uploaded_at": "2026-11-27T20:21:37+08:00"})
}

/// One line of the checklist: a required material and the files supplied for it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"code": "M1", "name": "食品经营许可申请书", "mandatory": true, "tolerable": false,
    "files": [material_example()]}))]
pub struct ChecklistItem {
    /// Material code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Must be supplied.
    pub mandatory: bool,
    /// May be missing at acceptance (容缺).
    pub tolerable: bool,
    /// Files supplied.
    pub files: Vec<MaterialOut>,
}

/// Which material a file supplies.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// Code of the required material (`M1`, `M2`, …).
    pub code: String,
}

/// The draft or case a file goes to, with who may upload and the matter's materials.
struct Owner {
    id: Uuid,
    matter_id: Uuid,
}

async fn owner_for_upload(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<Owner, IntakeError> {
    if let Some(d) = drafts::find_owned(&state.db, id, &principal.sub).await? {
        return Ok(Owner {
            id: d.id,
            matter_id: d.matter_id,
        });
    }
    let Some(c) = cases::find(&state.db, id).await? else {
        return Err(IntakeError::NotFound("case or draft"));
    };
    if is_owner(principal, &c) || is_clerk_of(principal, &c) {
        let st = CaseState::parse(&c.state).unwrap_or(CaseState::Completed);
        if st.is_final() || st == CaseState::Decided || st == CaseState::Delivering {
            return Err(IntakeError::Conflict(
                "invalid_state",
                format!("办件{}，不能再上传材料", st.label()),
            ));
        }
        return Ok(Owner {
            id: c.id,
            matter_id: c.matter_id,
        });
    }
    match reader(&state.db, principal, &c).await? {
        Some(_) => Err(IntakeError::Forbidden(
            "only the applicant or a window clerk uploads materials",
        )),
        None => Err(IntakeError::NotFound("case or draft")),
    }
}

/// Checks the first bytes against the declared type, so a renamed file is refused.
fn sniff_ok(content_type: &str, head: &[u8]) -> bool {
    match content_type {
        "application/pdf" => head.starts_with(b"%PDF-"),
        "image/jpeg" => head.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => head.starts_with(&[0x89, b'P', b'N', b'G']),
        // OFD (GB/T 33190) is a ZIP container.
        "application/ofd" => head.starts_with(b"PK\x03\x04"),
        _ => false,
    }
}

/// Uploads one file for a required material of a draft or case (multipart field `file`).
#[utoipa::path(post, path = "/api/v1/uploads/{id}", tag = "materials", operation_id = "upload_material",
    params(("id" = Uuid, Path, description = "Draft or case id"), UploadQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload return the first file")),
    request_body(content_type = "multipart/form-data", description = "One part named `file`: PDF, JPEG, PNG or OFD, at most 20 MiB"),
    responses(
        (status = 201, description = "Stored", body = MaterialOut),
        (status = 200, description = "Replayed", body = MaterialOut),
        (status = 403, description = "Not the applicant or a window clerk of the case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such draft or case of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case no longer takes materials", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 20 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown material code, no file, or a type not allowed", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(owner.id = %id))]
pub async fn upload_material(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: web::Query<UploadQuery>,
    mut multipart: Multipart,
) -> Result<HttpResponse, IntakeError> {
    let owner = owner_for_upload(&state, &principal, *id).await?;
    let matter = matters::find(&state.db, owner.matter_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("matter version missing"))?;
    let spec = spec_of(&matter)?;
    if !spec.materials.iter().any(|m| m.code == query.code) {
        return Err(IntakeError::field(
            "code",
            "unknown_material",
            "事项没有该材料",
        ));
    }
    let mut file: Option<(String, String, Vec<u8>)> = None;
    while let Some(mut field) = multipart
        .try_next()
        .await
        .map_err(|e| IntakeError::Invalid(Problem::bad_request("bad_multipart", e.to_string())))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(|n| {
                n.chars()
                    .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
                    .take(200)
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "material".into());
        let content_type = field
            .content_type()
            .map(|m| m.essence_str().to_owned())
            .unwrap_or_default();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(|e| {
            IntakeError::Invalid(Problem::bad_request("bad_multipart", e.to_string()))
        })? {
            if bytes.len() + chunk.len() > MAX_BYTES {
                return Err(IntakeError::Invalid(
                    govhall_web::problem::payload_too_large(),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some((name, content_type, bytes));
        break;
    }
    let Some((file_name, content_type, bytes)) = file else {
        return Err(IntakeError::field("file", "required", "请选择要上传的文件"));
    };
    if !ALLOWED_TYPES.contains(&content_type.as_str()) || !sniff_ok(&content_type, &bytes) {
        return Err(IntakeError::field(
            "file",
            "content_type",
            "只接受 PDF、JPG、PNG、OFD 文件，且内容须与类型一致",
        ));
    }
    if bytes.is_empty() {
        return Err(IntakeError::field("file", "empty", "文件为空"));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let key = idempotency_key(&req)?;
    let hash = hex::encode(Sha256::digest(
        format!("{}:{}:{sha256}", owner.id, query.code).as_bytes(),
    ));
    if let Some(done) =
        replayed(&state.db, &principal.sub, "material", key.as_deref(), &hash).await?
    {
        let m = materials::Entity::find_by_id(done)
            .one(&state.db)
            .await?
            .ok_or(IntakeError::NotFound("material"))?;
        return Ok(HttpResponse::Ok().json(out(m)));
    }
    let file_id = Uuid::now_v7();
    let storage_key = format!("materials/{}/{file_id}", owner.id);
    // The file first, then its row: a failure in between leaves an unreferenced file, never
    // a row without its file.
    intake
        .files
        .put(&storage_key, bytes::Bytes::from(bytes.clone()))
        .await?;
    let now = intake.now();

    let txn = govhall_bus::begin_write(&state.db).await?;
    let row = materials::ActiveModel {
        id: Set(file_id),
        owner_id: Set(owner.id),
        material_code: Set(query.code.clone()),
        file_name: Set(file_name),
        content_type: Set(content_type),
        size: Set(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
        sha256: Set(sha256),
        storage_key: Set(storage_key),
        uploaded_by: Set(principal.sub.clone()),
        uploaded_at: Set(now),
    }
    .insert(&txn)
    .await?;
    if !super::support::remember(
        &txn,
        &principal.sub,
        "material",
        key.as_deref(),
        &hash,
        file_id,
        now,
    )
    .await?
    {
        txn.rollback().await?;
        return Err(IntakeError::VersionConflict);
    }
    txn.commit().await?;
    tracing::info!(material.id = %file_id, "material stored");
    Ok(HttpResponse::Created().json(out(row)))
}

async fn readable_owner(
    state: &AppState,
    principal: &Principal,
    owner: Uuid,
) -> Result<Uuid, IntakeError> {
    if let Some(d) = drafts::find_owned(&state.db, owner, &principal.sub).await? {
        return Ok(d.matter_id);
    }
    match cases::find(&state.db, owner).await? {
        Some(c) if reader(&state.db, principal, &c).await?.is_some() => Ok(c.matter_id),
        _ => Err(IntakeError::NotFound("case or draft")),
    }
}

/// The matter's checklist for a draft or case, with the files supplied for each material.
///
/// For those who may see the draft or case; for a case, as `get_case` says (its reviewing
/// departments included).
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "materials", operation_id = "list_materials",
    params(("id" = Uuid, Path, description = "Draft or case id")),
    responses(
        (status = 200, description = "The checklist", body = [ChecklistItem]),
        (status = 404, description = "No such draft or case visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_materials(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let matter_id = readable_owner(&state, &principal, *id).await?;
    let matter = matters::find(&state.db, matter_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("matter version missing"))?;
    let spec = spec_of(&matter)?;
    let files = materials::of_owner(&state.db, *id).await?;
    let items: Vec<ChecklistItem> = spec
        .materials
        .iter()
        .map(|m| ChecklistItem {
            code: m.code.clone(),
            name: m.name.clone(),
            mandatory: m.mandatory,
            tolerable: m.tolerable,
            files: files
                .iter()
                .filter(|f| f.material_code == m.code)
                .cloned()
                .map(out)
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Downloads a material file: only those who may see its draft or case.
///
/// For a case, as `get_case` says (its reviewing departments included).
#[utoipa::path(get, path = "/api/v1/materials/{id}", tag = "materials", operation_id = "download_material",
    params(("id" = Uuid, Path, description = "File id")),
    responses(
        (status = 200, description = "The file, with its SHA-256 in `Digest`", content_type = "application/octet-stream"),
        (status = 404, description = "No such file visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn download_material(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let file = materials::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or(IntakeError::NotFound("material"))?;
    readable_owner(&state, &principal, file.owner_id)
        .await
        .map_err(|_| IntakeError::NotFound("material"))?;
    let bytes = intake.files.get(&file.storage_key).await?;
    let ascii: String = file
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type(file.content_type.clone())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{ascii}\""),
        ))
        .insert_header(("X-Content-SHA256", file.sha256.clone()))
        .body(bytes))
}
