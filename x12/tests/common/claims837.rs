// A one-billing-provider, one-subscriber 837 batch around the claims under test, shared
// by the 837 builder and situational-rule tests (`#[path]`-included).

use carewire_x12::build::{
    Address, BillingProvider, Claim, ClaimKind, Claims837, Demographics, Envelope, Party,
    Subscriber,
};
use carewire_x12::SequentialControlNumbers;

/// An address in Springfield, IL.
fn address(line1: &str) -> Address {
    Address {
        line1: line1.into(),
        city: "SPRINGFIELD".into(),
        state: "IL".into(),
        postal_code: "627010001".into(),
        line2: None,
    }
}

/// `claims` of subscriber DOE JANE (M1) billed by organization `org` to PAYER.
pub fn batch(kind: ClaimKind, org: &str, claims: Vec<Claim>) -> Claims837 {
    Claims837 {
        kind,
        reference: "B1".into(),
        date: "20240306".into(),
        time: "0900".into(),
        submitter: Party::organization(org, "S1"),
        contact: ("BILLING".into(), "5555550100".into()),
        receiver: Party::organization("PAYER", "R1"),
        providers: vec![BillingProvider {
            name: Party::organization(org, "1881234565"),
            address: address("1 HOSPITAL DR"),
            tax_id: "123456789".into(),
            subscribers: vec![Subscriber {
                responsibility: "P".into(),
                filing_indicator: "CI".into(),
                name: Party::person("DOE", "JANE", "M1"),
                address: Some(address("2 ELM ST")),
                demographics: Some(Demographics {
                    birth_date: "19800101".into(),
                    gender: "F".into(),
                }),
                payer: Party::organization("PAYER", "P1"),
                claims,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// [`batch`] built as an interchange from `sender` to PAYER.
pub fn build(
    kind: ClaimKind,
    org: &str,
    sender: &str,
    claims: Vec<Claim>,
) -> carewire_x12::Result<Vec<u8>> {
    let env = Envelope::new(sender, "PAYER", "240306", "0900");
    batch(kind, org, claims).build(&env, &mut SequentialControlNumbers::default())
}
