//! Code lists of GB/T 39046-2020 (政务服务平台基础数据规范) used by the catalog and the cases.
//!
//! Each enum serializes as a snake_case English word on the wire and in the database, and
//! gives the standard's code (`code()`) and its Chinese label (`label()`) for exchange and
//! display.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares a code list: variants with their standard code and Chinese label, plus
/// `as_str`/`parse` for the stored form.
macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($wire:literal, $code:literal, $label:literal),)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the standard's order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Stored and wire form (snake_case).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)+ }
            }

            /// The standard's code.
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }

            /// Chinese label, for display.
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label,)+ }
            }

            /// Parses the stored form.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

code_list! {
    /// Item type (事项类型).
    ItemType {
        /// Administrative licence.
        AdministrativeLicence = ("administrative_licence", "01", "行政许可"),
        /// Administrative benefit payment.
        AdministrativeBenefit = ("administrative_benefit", "05", "行政给付"),
        /// Administrative confirmation.
        AdministrativeConfirmation = ("administrative_confirmation", "07", "行政确认"),
        /// Administrative award.
        AdministrativeAward = ("administrative_award", "08", "行政奖励"),
        /// Administrative adjudication.
        AdministrativeAdjudication = ("administrative_adjudication", "09", "行政裁决"),
        /// Other administrative power.
        OtherPower = ("other_power", "10", "其他行政权力"),
        /// Public service.
        PublicService = ("public_service", "20", "公共服务"),
    }
}

code_list! {
    /// Exercise, acceptance or approval level (行使层级).
    Level {
        /// National.
        National = ("national", "1", "国家级"),
        /// Province.
        Province = ("province", "2", "省级"),
        /// City.
        City = ("city", "3", "市级"),
        /// County or district.
        County = ("county", "4", "县级"),
        /// Town, township or street.
        Town = ("town", "5", "镇（乡、街道）级"),
        /// Village or community.
        Village = ("village", "6", "村（社区）级"),
    }
}

code_list! {
    /// Case type (办件类型).
    CaseType {
        /// Decided on the spot (即办件).
        Instant = ("instant", "1", "即办件"),
        /// Decided within a committed time limit (承诺件).
        Promised = ("promised", "2", "承诺件"),
    }
}

code_list! {
    /// Handling form (办理形式): how a matter may be applied for.
    HandlingForm {
        /// At a hall's window.
        Window = ("window", "1", "窗口办理"),
        /// Online.
        Online = ("online", "2", "网上办理"),
        /// By post or courier.
        Post = ("post", "3", "快递申请"),
    }
}

code_list! {
    /// Channel an application came through (申请渠道).
    Channel {
        /// At a physical hall's window (窗口).
        Window = ("window", "1", "窗口"),
        /// Online, on a computer (PC 端).
        Pc = ("pc", "2", "网上办事大厅（PC 端）"),
        /// Online, on a phone (移动端).
        Mobile = ("mobile", "3", "移动端"),
        /// Self-service terminal (自助终端).
        SelfService = ("self_service", "4", "自助终端"),
        /// An integrator's system (API).
        Api = ("api", "5", "系统对接"),
    }
}

code_list! {
    /// Special procedure (特别程序种类): periods the time limit does not count.
    SpecialProcedure {
        /// Hearing (听证).
        Hearing = ("hearing", "3", "听证"),
        /// Tender, auction or listing (招标、拍卖、挂牌交易).
        Auction = ("auction", "4", "招标、拍卖、挂牌交易"),
        /// Inspection, testing or quarantine (检验、检测、检疫).
        Testing = ("testing", "5", "检验、检测、检疫"),
        /// Appraisal (鉴定).
        Appraisal = ("appraisal", "6", "鉴定"),
        /// Expert review (专家评审).
        ExpertReview = ("expert_review", "7", "专家评审"),
        /// Public notice (公示).
        PublicNotice = ("public_notice", "8", "公示"),
        /// Another procedure the law does not count.
        Other = ("other", "9", "其他"),
    }
}

code_list! {
    /// Result type (审批结果类型).
    ResultType {
        /// A licence or certificate (证照).
        Licence = ("licence", "10", "证照"),
        /// An approval document (批文).
        ApprovalDocument = ("approval_document", "20", "批文"),
        /// No document.
        None = ("none", "30", "其他"),
    }
}

code_list! {
    /// Satisfaction of a rating (好差评 满意度).
    Satisfaction {
        /// Very dissatisfied.
        VeryDissatisfied = ("very_dissatisfied", "1", "非常不满意"),
        /// Dissatisfied.
        Dissatisfied = ("dissatisfied", "2", "不满意"),
        /// Basically satisfied.
        Basic = ("basic", "3", "基本满意"),
        /// Satisfied.
        Satisfied = ("satisfied", "4", "满意"),
        /// Very satisfied.
        VerySatisfied = ("very_satisfied", "5", "非常满意"),
    }
}

impl Satisfaction {
    /// From a score 1–5.
    pub fn from_score(score: u8) -> Option<Self> {
        Self::ALL.get(usize::from(score).checked_sub(1)?).copied()
    }

    /// The score 1–5.
    pub fn score(self) -> u8 {
        match self {
            Self::VeryDissatisfied => 1,
            Self::Dissatisfied => 2,
            Self::Basic => 3,
            Self::Satisfied => 4,
            Self::VerySatisfied => 5,
        }
    }

    /// A bad rating (差评): 1 or 2.
    pub fn is_bad(self) -> bool {
        self.score() <= 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_list_round_trips_through_its_stored_form() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for v in all {
                assert_eq!(parse(as_str(*v)), Some(*v));
            }
            assert_eq!(parse("nonsense"), None);
        }
        check(ItemType::ALL, ItemType::as_str, ItemType::parse);
        check(Level::ALL, Level::as_str, Level::parse);
        check(CaseType::ALL, CaseType::as_str, CaseType::parse);
        check(HandlingForm::ALL, HandlingForm::as_str, HandlingForm::parse);
        check(Channel::ALL, Channel::as_str, Channel::parse);
        check(
            SpecialProcedure::ALL,
            SpecialProcedure::as_str,
            SpecialProcedure::parse,
        );
        check(ResultType::ALL, ResultType::as_str, ResultType::parse);
        check(Satisfaction::ALL, Satisfaction::as_str, Satisfaction::parse);
    }

    #[test]
    fn scores_map_to_satisfaction_and_one_or_two_is_a_bad_rating() {
        assert_eq!(Satisfaction::from_score(0), None);
        assert_eq!(Satisfaction::from_score(6), None);
        for s in 1..=5 {
            let sat = Satisfaction::from_score(s).unwrap_or(Satisfaction::Basic);
            assert_eq!(sat.score(), s);
            assert_eq!(sat.is_bad(), s <= 2);
        }
        assert_eq!(
            Satisfaction::from_score(1).map(Satisfaction::code),
            Some("1")
        );
    }

    #[test]
    fn the_wire_form_is_the_stored_form() {
        let json = serde_json::to_string(&ItemType::AdministrativeLicence).unwrap_or_default();
        assert_eq!(json, "\"administrative_licence\"");
        assert_eq!(CaseType::Instant.label(), "即办件");
    }
}
