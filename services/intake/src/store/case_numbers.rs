//! The `case_number_seq` table: the next sequence number per division and day.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, Statement};

/// Takes the next sequence number of `division` on `day` (1 upwards). Runs inside the
/// submitting transaction, so a rolled-back submission gives its number back; concurrent
/// submissions of one division queue on the row for the length of a transaction.
pub async fn next(db: &impl ConnectionTrait, division: &str, day: NaiveDate) -> Result<u32, DbErr> {
    let backend = db.get_database_backend();
    // The same upsert works on PostgreSQL and SQLite (3.35+ for RETURNING).
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO case_number_seq (division_code, day, last) VALUES ($1, $2, 1) \
             ON CONFLICT (division_code, day) DO UPDATE SET last = case_number_seq.last + 1 \
             RETURNING last"
        }
        _ => {
            "INSERT INTO case_number_seq (division_code, day, last) VALUES (?, ?, 1) \
             ON CONFLICT (division_code, day) DO UPDATE SET last = case_number_seq.last + 1 \
             RETURNING last"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [division.into(), day.format("%Y%m%d").to_string().into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("case_number_seq".into()))?;
    let last: i32 = row.try_get("", "last")?;
    u32::try_from(last).map_err(|e| DbErr::Custom(e.to_string()))
}
