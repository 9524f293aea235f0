//! The seed catalog (政务服务事项实施清单) of Jiangsu province, loaded at first start and by tests.
//!
//! The matters live in `services/intake/data/catalog.json`, compiled in so the service needs
//! no file at run time. Every one passes [`MatterSpec::problems`]; the tests below hold it so.

use super::catalog::MatterSpec;

/// The seed catalog as JSON: an array of [`MatterSpec`]s.
pub const CATALOG_JSON: &str = include_str!("../../data/catalog.json");

/// The seed catalog, parsed.
pub fn catalog() -> Result<Vec<MatterSpec>, serde_json::Error> {
    serde_json::from_str(CATALOG_JSON)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::HashSet;

    use serde_json::json;

    use super::*;
    use crate::domain::catalog::{Plan, Unit};
    use crate::domain::codes::CaseType;

    const FOOD_LICENCE: &str = "11320102MB1234567X4000117001";

    fn food_licence() -> MatterSpec {
        catalog()
            .unwrap()
            .into_iter()
            .find(|m| m.implementation_code == FOOD_LICENCE)
            .unwrap()
    }

    #[test]
    fn every_seed_matter_passes_the_publication_checks() {
        let matters = catalog().unwrap();
        assert!(matters.len() >= 14, "only {} matters", matters.len());
        let faults: Vec<String> = matters
            .iter()
            .filter_map(|m| {
                let problems = m.problems();
                (!problems.is_empty())
                    .then(|| format!("{} {}: {problems:?}", m.implementation_code, m.name))
            })
            .collect();
        assert!(
            faults.is_empty(),
            "faulty seed matters:\n{}",
            faults.join("\n")
        );
    }

    #[test]
    fn every_seed_matter_lists_two_to_six_materials_with_distinct_codes() {
        for m in catalog().unwrap() {
            assert!((2..=6).contains(&m.materials.len()), "{}", m.name);
            let codes: HashSet<&str> = m.materials.iter().map(|x| x.code.as_str()).collect();
            assert_eq!(codes.len(), m.materials.len(), "{}", m.name);
        }
    }

    #[test]
    fn implementation_codes_are_unique() {
        let matters = catalog().unwrap();
        let codes: HashSet<&str> = matters
            .iter()
            .map(|m| m.implementation_code.as_str())
            .collect();
        assert_eq!(codes.len(), matters.len());
    }

    #[test]
    fn every_plan_kind_is_present() {
        let matters = catalog().unwrap();
        let count = |f: fn(&Plan) -> bool| matters.iter().filter(|m| f(&m.plan)).count();
        assert!(count(|p| matches!(p, Plan::Single)) >= 4);
        assert!(count(|p| matches!(p, Plan::Parallel { .. })) >= 3);
        assert!(count(|p| matches!(p, Plan::CrossLevel { .. })) >= 2);
    }

    #[test]
    fn an_instant_matter_and_at_least_three_tolerable_matters_exist() {
        let matters = catalog().unwrap();
        assert!(matters.iter().any(|m| m.case_type == CaseType::Instant));
        assert!(matters.iter().filter(|m| m.allows_tolerance()).count() >= 3);
    }

    #[test]
    fn the_province_nanjing_and_suzhou_all_appear() {
        let matters = catalog().unwrap();
        let has = |prefix: &str| matters.iter().any(|m| m.division_code.starts_with(prefix));
        assert!(matters.iter().any(|m| m.division_code == "320000"));
        assert!(has("3201"), "no Nanjing matter");
        assert!(has("3205"), "no Suzhou matter");
    }

    #[test]
    fn the_xuanwu_food_licence_has_its_fixed_code_limits_and_a_tolerable_material() {
        let m = food_licence();
        assert_eq!(m.name, "食品经营许可（新办）");
        assert_eq!(m.division_code, "320102");
        assert_eq!(
            (m.committed_limit.value, m.committed_limit.unit),
            (10, Unit::WorkingDays)
        );
        assert_eq!(
            (m.statutory_limit.value, m.statutory_limit.unit),
            (20, Unit::WorkingDays)
        );
        assert!(m.allows_tolerance());
    }

    #[test]
    fn every_form_schema_accepts_the_example_it_carries() {
        for m in catalog().unwrap() {
            let validator = jsonschema::validator_for(&m.form_schema).unwrap();
            let examples = m.form_schema["examples"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(!examples.is_empty(), "{} carries no example", m.name);
            for example in examples {
                assert!(validator.is_valid(&example), "{}: {example}", m.name);
            }
        }
    }

    #[test]
    fn the_food_licence_form_accepts_a_hand_made_application_and_refuses_a_bad_phone() {
        let validator = jsonschema::validator_for(&food_licence().form_schema).unwrap();
        let mut application = json!({
            "shop_name": "玄武区示例小吃店",
            "premises": "南京市玄武区示例街1号",
            "main_form": "餐饮服务经营者",
            "items": ["热食类食品制售"],
            "area_sqm": 32,
            "contact_phone": "13900000000"
        });
        assert!(validator.is_valid(&application));
        application["contact_phone"] = json!("025-12345678");
        assert!(!validator.is_valid(&application));
    }
}
