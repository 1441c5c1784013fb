use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, word_enum};

word_enum!(
    /// What kind of handling unit (承办单位) this is.
    UnitKind, "kind" {
        /// A department's office (e.g. 市容环境卫生处).
        DepartmentOffice = "department_office",
        /// A district government (区政府): the fallback when no unit can be determined.
        DistrictGovernment = "district_government",
        /// A street office or township (街道办事处/乡镇).
        StreetOffice = "street_office",
        /// A utility company (water, power, gas, heating).
        Utility = "utility",
        Other = "other",
    }
);

word_enum!(
    UnitStatus, "status" {
        Active = "active",
        Inactive = "inactive",
    }
);

/// A district (区/县) name as used in addresses, e.g. 鼓楼区.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct District(String);

impl District {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        crate::tenant::parse_name("district", input, 64).map(Self).map_err(|e| e.at("district"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for District {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// DOMAIN.md, dispatch rule 3: "no unit can be determined → the district government where the
/// issue is located". Only a district government with a district can be that fallback.
pub fn check_fallback(kind: UnitKind, district: Option<&District>, fallback: bool) -> Result<(), ValidationError> {
    if !fallback {
        return Ok(());
    }
    if kind != UnitKind::DistrictGovernment {
        return Err(ValidationError::new(
            "is_district_fallback",
            "fallback_not_district_government",
            "only a district government can be the fallback unit of its district",
        ));
    }
    if district.is_none() {
        return Err(ValidationError::new("district", "required", "a fallback unit needs the district it is the fallback for"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_district_government_with_a_district_can_be_the_fallback() {
        let d = District::parse("鼓楼区").unwrap();
        assert!(check_fallback(UnitKind::DistrictGovernment, Some(&d), true).is_ok());
        assert_eq!(check_fallback(UnitKind::StreetOffice, Some(&d), true).unwrap_err().code, "fallback_not_district_government");
        assert_eq!(check_fallback(UnitKind::DistrictGovernment, None, true).unwrap_err().field, "district");
        assert!(check_fallback(UnitKind::Utility, None, false).is_ok());
    }

    #[test]
    fn unit_kinds_parse() {
        assert_eq!(UnitKind::parse("street_office").unwrap(), UnitKind::StreetOffice);
        assert!(UnitKind::parse("ministry").is_err());
        assert_eq!(UnitKind::ALL.len(), 5);
    }
}
