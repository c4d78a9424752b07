//! The 271 eligibility response builder (005010X279A1): the payer's answer to a 270.
//! It numbers the HL hierarchy 20 → 21 → 22 → 23, echoes each person's inquiry trace
//! as `TRN*2`, and writes each person's rejections (AAA) and benefits (EB, MSG).

use std::io::Write;

use super::{dmg, elig_hierarchy, nm1, s, trim, Demographics, Envelope, Party, Redacted};
use crate::decimal::Decimal;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Eligibility, EligibilityKind, Member};
use crate::write::{ControlNumbers, Field, Writer};

/// A trace number echoed from the inquiry (`TRN*2`: TRN02 reference, TRN03
/// originating company).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// TRN02: the inquirer's trace number.
    pub reference: String,
    /// TRN03: the inquirer's originating company identifier.
    pub originator: String,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("reference", &Redacted(&self.reference))
            .field("originator", &self.originator)
            .finish()
    }
}

/// AAA: the request was rejected (or the person was not found) at this level.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rejection {
    /// AAA01: `true` (`Y`) when the request itself was valid (e.g. the member was not
    /// found), `false` (`N`) when it was not.
    pub valid: bool,
    /// AAA03: the reject reason (`72` invalid member id, `75` subscriber not found,
    /// `73` invalid name, `58` invalid birth date…).
    pub reason: String,
    /// AAA04: the follow-up action (`C` correct and resubmit, `N` do not resubmit…).
    pub follow_up: String,
}

impl Rejection {
    /// A rejection of a valid request (`AAA*Y**reason*follow_up`).
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::Rejection;
    /// let not_found = Rejection::new("75", "C");
    /// assert!(not_found.valid);
    /// ```
    pub fn new(reason: &str, follow_up: &str) -> Rejection {
        Rejection {
            valid: true,
            reason: reason.to_string(),
            follow_up: follow_up.to_string(),
        }
    }
}

/// EB: one benefit (2110C/D) and its MSG texts.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BenefitLine {
    /// EB01: `1` active coverage, `6` inactive, `A` co-insurance, `B` co-payment, `C`
    /// deductible, `G` out-of-pocket (stop loss), `I` non-covered…
    pub info: String,
    /// EB02: the coverage level (`IND` individual, `FAM` family…).
    pub coverage_level: Option<String>,
    /// EB03: service type codes (`30` health benefit plan coverage, `98` office visit…).
    pub service_types: Vec<String>,
    /// EB04: the insurance type (`C1` commercial, `HM` HMO…).
    pub insurance_type: Option<String>,
    /// EB05: the plan coverage description.
    pub plan_description: Option<String>,
    /// EB06: the time period (`23` calendar year, `27` visit, `29` remaining…).
    pub time_period: Option<String>,
    /// EB07: the amount.
    pub amount: Option<Decimal>,
    /// EB08: the percent as a decimal fraction (`0.2` is 20%).
    pub percent: Option<Decimal>,
    /// EB12: in plan network (`Y`, `N`, `W` not applicable).
    pub in_network: Option<String>,
    /// MSG01 free-form messages.
    pub messages: Vec<String>,
}

impl std::fmt::Debug for BenefitLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BenefitLine")
            .field("info", &self.info)
            .field("coverage_level", &self.coverage_level)
            .field("service_types", &self.service_types)
            .field("insurance_type", &self.insurance_type)
            .field("plan_description", &self.plan_description)
            .field("time_period", &self.time_period)
            .field("amount", &self.amount)
            .field("percent", &self.percent)
            .field("in_network", &self.in_network)
            .field("messages", &self.messages.len())
            .finish()
    }
}

impl BenefitLine {
    fn of(info: &str, service_type: &str) -> BenefitLine {
        BenefitLine {
            info: info.to_string(),
            coverage_level: Some("IND".to_string()),
            service_types: vec![service_type.to_string()],
            ..BenefitLine::default()
        }
    }

    /// Active coverage (`EB*1*IND*service_type`).
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::BenefitLine;
    /// let gold = BenefitLine::active("30").plan("GOLD PLAN");
    /// assert_eq!((gold.info.as_str(), gold.plan_description.as_deref()), ("1", Some("GOLD PLAN")));
    /// ```
    pub fn active(service_type: &str) -> BenefitLine {
        BenefitLine::of("1", service_type)
    }

    /// Inactive coverage (`EB*6*IND*service_type`).
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::BenefitLine;
    /// assert_eq!(BenefitLine::inactive("30").info, "6");
    /// ```
    pub fn inactive(service_type: &str) -> BenefitLine {
        BenefitLine::of("6", service_type)
    }

    /// A co-payment of `amount` per visit (`EB*B*IND*service_type***27*amount`).
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::BenefitLine;
    /// let copay = BenefitLine::copay("98", "25".parse()?);
    /// assert_eq!(copay.time_period.as_deref(), Some("27"));
    /// # Ok::<(), carewire_x12::DecimalError>(())
    /// ```
    pub fn copay(service_type: &str, amount: Decimal) -> BenefitLine {
        BenefitLine {
            time_period: Some("27".to_string()),
            amount: Some(amount),
            ..BenefitLine::of("B", service_type)
        }
    }

    /// A deductible of `amount` per `time_period` (`23` calendar year, `29` remaining).
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::BenefitLine;
    /// let left = BenefitLine::deductible("30", "150.00".parse()?, "29");
    /// assert_eq!((left.info.as_str(), left.time_period.as_deref()), ("C", Some("29")));
    /// # Ok::<(), carewire_x12::DecimalError>(())
    /// ```
    pub fn deductible(service_type: &str, amount: Decimal, time_period: &str) -> BenefitLine {
        BenefitLine {
            time_period: Some(time_period.to_string()),
            amount: Some(amount),
            ..BenefitLine::of("C", service_type)
        }
    }

    /// Co-insurance: the patient pays `percent` (a fraction: `0.2` is 20%).
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::BenefitLine;
    /// let twenty = BenefitLine::coinsurance("30", "0.2".parse()?);
    /// assert_eq!(twenty.percent.map(|p| p.to_string()).as_deref(), Some("0.2"));
    /// # Ok::<(), carewire_x12::DecimalError>(())
    /// ```
    pub fn coinsurance(service_type: &str, percent: Decimal) -> BenefitLine {
        BenefitLine {
            percent: Some(percent),
            ..BenefitLine::of("A", service_type)
        }
    }

    /// The same benefit with EB05, the plan coverage description.
    ///
    /// # Examples
    /// See [`BenefitLine::active`].
    pub fn plan(mut self, description: &str) -> BenefitLine {
        self.plan_description = Some(description.to_string());
        self
    }

    /// The same benefit with a MSG text after it.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::BenefitLine;
    /// let b = BenefitLine::active("30").message("REFERRAL REQUIRED");
    /// assert_eq!(b.messages, ["REFERRAL REQUIRED"]);
    /// ```
    pub fn message(mut self, text: &str) -> BenefitLine {
        self.messages.push(text.to_string());
        self
    }
}

/// One subscriber or dependent in a 271 and the answer about them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponsePerson {
    /// TRN*2: the inquiry's traces, echoed.
    pub traces: Vec<Trace>,
    /// NM1*IL (with the member id) or NM1*03 (the id is not written for dependents).
    pub name: Party,
    /// DMG, when sent.
    pub demographics: Option<Demographics>,
    /// AAA: why the person could not be answered (e.g. not found).
    pub rejections: Vec<Rejection>,
    /// EB loops.
    pub benefits: Vec<BenefitLine>,
}

/// A subscriber and their dependents in a 271.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseSubscriber {
    /// The subscriber (2000C).
    pub person: ResponsePerson,
    /// Dependents (2000D).
    pub dependents: Vec<ResponsePerson>,
}

/// A 271 eligibility response (005010X279A1): one information source (payer), one
/// information receiver (provider) and the subscribers and dependents answered.
///
/// # Examples
/// Answering a 270 built with [`Inquiry270`](super::Inquiry270):
/// ```
/// use carewire_x12::build::{
///     BenefitLine, Eligibility271, Envelope, Inquiry270, InquiryPerson, InquirySubscriber, Party,
/// };
/// use carewire_x12::{validate, Document, Eligibility, SequentialControlNumbers};
///
/// let inquiry = Inquiry270 {
///     reference: "REQ1".into(), date: "20240110".into(), time: "1200".into(),
///     source: Party::organization("PAYER", "PAYER1"),
///     receiver: Party::organization("CLINIC", "1234567893"),
///     originator: "1123456789".into(),
///     subscribers: vec![InquirySubscriber { person: InquiryPerson {
///         trace: "T1".into(), name: Party::person("DOE", "JANE", "M1"),
///         demographics: None, service_types: vec!["30".into()] }, dependents: vec![] }],
/// };
/// let x270 = inquiry.build(&Envelope::new("CLINIC", "PAYER", "240110", "1200"),
///     &mut SequentialControlNumbers::default())?;
/// let doc = Document::parse(&x270)?;
/// let set = doc.interchange(0).and_then(|i| i.groups().next())
///     .and_then(|g| g.transaction_sets().next()).ok_or("no set")?;
///
/// let mut answer = Eligibility271::answering(&Eligibility::from_set(&set).ok_or("not a 270")?)?;
/// answer.subscribers[0].person.benefits = vec![
///     BenefitLine::active("30").plan("GOLD PLAN"),
///     BenefitLine::copay("98", "25".parse()?),
/// ];
/// let x271 = answer.build(&Envelope::new("PAYER", "CLINIC", "240110", "1201"),
///     &mut SequentialControlNumbers::default())?;
/// let text = String::from_utf8(x271.clone())?;
/// assert!(text.contains("\nHL*3*2*22*0~\nTRN*2*T1*1123456789~\nNM1*IL*1*DOE*JANE****MI*M1~\n\
/// EB*1*IND*30**GOLD PLAN~\nEB*B*IND*98***27*25~\n"));
/// assert!(validate(&Document::parse(&x271)?).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Eligibility271 {
    /// BHT03: the inquiry's reference, echoed.
    pub reference: String,
    /// BHT04: date CCYYMMDD.
    pub date: String,
    /// BHT05: time HHMM.
    pub time: String,
    /// 2100A: the information source (NM1*PR with the payer id, qualifier `PI`).
    pub source: Party,
    /// AAA of 2100A (e.g. `42` unable to respond now).
    pub source_rejections: Vec<Rejection>,
    /// 2100B: the information receiver (NM1*1P with the NPI, qualifier `XX`).
    pub receiver: Party,
    /// AAA of 2100B (e.g. `43` invalid provider).
    pub receiver_rejections: Vec<Rejection>,
    /// 2000C subscribers with their 2000D dependents.
    pub subscribers: Vec<ResponseSubscriber>,
}

fn text(t: &crate::model::Text<'_>) -> String {
    t.as_str().into_owned()
}

fn opt_text(t: &Option<crate::model::Text<'_>>) -> String {
    t.as_ref().map(text).unwrap_or_default()
}

fn party_of(p: Option<&crate::model::Party<'_>>) -> Party {
    let Some(p) = p else {
        return Party::default();
    };
    let first = p.first_name.as_ref().map(text).filter(|f| !f.is_empty());
    let person = p.entity_type.as_ref().is_some_and(|t| t.raw() == b"1");
    Party {
        name: opt_text(&p.name),
        first_name: if person {
            Some(first.unwrap_or_default())
        } else {
            first
        },
        id: opt_text(&p.id),
    }
}

fn person_of(m: &Member<'_>) -> ResponsePerson {
    ResponsePerson {
        traces: m
            .traces
            .iter()
            .map(|t| Trace {
                reference: text(&t.reference),
                originator: opt_text(&t.originator),
            })
            .collect(),
        name: party_of(m.party.as_ref()),
        ..ResponsePerson::default()
    }
}

impl Eligibility271 {
    /// A 271 that answers `inquiry` (a parsed 270): BHT03/04/05, payer, provider, every
    /// subscriber and dependent with their names, member ids and traces echoed; no
    /// benefits or rejections yet (the caller adds them per person).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidValue`] when `inquiry` is a 271, or holds more than one
    /// information source or receiver (answer each with its own 271).
    ///
    /// # Examples
    /// See [`Eligibility271`].
    pub fn answering(inquiry: &Eligibility<'_>) -> Result<Eligibility271> {
        let invalid = || Error::new(ErrorKind::InvalidValue, 0);
        if inquiry.kind != EligibilityKind::Inquiry || inquiry.sources.len() > 1 {
            return Err(invalid());
        }
        let source = inquiry.sources.first();
        let receivers = source.map(|s| s.receivers.as_slice()).unwrap_or_default();
        if receivers.len() > 1 {
            return Err(invalid());
        }
        let receiver = receivers.first();
        let subscribers = receiver
            .map(|r| r.subscribers.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|m| ResponseSubscriber {
                person: person_of(m),
                dependents: m.dependents.iter().map(person_of).collect(),
            })
            .collect();
        Ok(Eligibility271 {
            reference: opt_text(&inquiry.reference),
            date: opt_text(&inquiry.date),
            time: opt_text(&inquiry.time),
            source: party_of(source.and_then(|s| s.party.as_ref())),
            source_rejections: Vec::new(),
            receiver: party_of(receiver.and_then(|r| r.party.as_ref())),
            receiver_rejections: Vec::new(),
            subscribers,
        })
    }

    /// Every subscriber and dependent, in document order (to fill in answers).
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::{BenefitLine, Eligibility271, ResponseSubscriber};
    /// let mut answer = Eligibility271 {
    ///     subscribers: vec![ResponseSubscriber::default(), ResponseSubscriber::default()],
    ///     ..Default::default()
    /// };
    /// for p in answer.people_mut() {
    ///     p.benefits.push(BenefitLine::active("30"));
    /// }
    /// assert_eq!(answer.subscribers[1].person.benefits.len(), 1);
    /// ```
    pub fn people_mut(&mut self) -> impl Iterator<Item = &mut ResponsePerson> + '_ {
        self.subscribers
            .iter_mut()
            .flat_map(|s| std::iter::once(&mut s.person).chain(s.dependents.iter_mut()))
    }

    /// Writes the 271 as one transaction set into an open group of `w`; returns ST02.
    ///
    /// # Errors
    /// [`ErrorKind::DelimiterInData`] when a value holds a delimiter (or several EB03
    /// service types are given and there is no repetition separator); writer state
    /// errors.
    ///
    /// # Examples
    /// ```
    /// use carewire_x12::build::{Eligibility271, Party, Rejection};
    /// use carewire_x12::{
    ///     Delimiters, GroupHeader, InterchangeHeader, LineEnding, SequentialControlNumbers, Writer,
    /// };
    /// // The payer cannot answer now: a rejection at the source level.
    /// let busy = Eligibility271 {
    ///     reference: "REQ1".into(), date: "20240110".into(), time: "1201".into(),
    ///     source: Party::organization("PAYER", "PAYER1"),
    ///     source_rejections: vec![Rejection::new("42", "R")],
    ///     receiver: Party::organization("CLINIC", "1234567893"),
    ///     ..Default::default()
    /// };
    /// let numbers = &mut SequentialControlNumbers::default();
    /// let mut w = Writer::new(Vec::new(), Delimiters::default(), LineEnding::Lf);
    /// w.begin_interchange(&InterchangeHeader::new("PAYER", "CLINIC", "240110", "1201"), numbers)?;
    /// w.begin_group(&GroupHeader::new("HB", "PAYER", "CLINIC", "20240110", "1201",
    ///     "005010X279A1"), numbers)?;
    /// busy.write(&mut w, numbers)?;
    /// w.end_group()?;
    /// w.end_interchange()?;
    /// let out = String::from_utf8(w.into_inner()?)?;
    /// assert!(out.contains("\nNM1*PR*2*PAYER*****PI*PAYER1~\nAAA*Y**42*R~\nHL*2*1*21*0~\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write<W: Write>(
        &self,
        w: &mut Writer<W>,
        numbers: &mut dyn ControlNumbers,
    ) -> Result<u32> {
        let st02 = w.begin_transaction_set("271", Some("005010X279A1"), numbers)?;
        w.segment(
            "BHT",
            &[
                s("0022"),
                s("11"),
                s(&self.reference),
                s(&self.date),
                s(&self.time),
            ],
        )?;
        elig_hierarchy(
            w,
            self.subscribers
                .iter()
                .map(|sub| (&sub.person, sub.dependents.as_slice())),
            |w| {
                nm1(w, "PR", &self.source, "PI")?;
                rejections(w, &self.source_rejections)
            },
            |w| {
                nm1(w, "1P", &self.receiver, "XX")?;
                rejections(w, &self.receiver_rejections)
            },
            person,
        )?;
        w.end_transaction_set()?;
        Ok(st02)
    }

    /// Builds a whole interchange (ISA … IEA) holding this 271 in one `HB` group.
    ///
    /// # Errors
    /// As [`Eligibility271::write`], and [`ErrorKind::InvalidValue`] for ISA values
    /// longer than their fixed widths.
    pub fn build(&self, env: &Envelope, numbers: &mut dyn ControlNumbers) -> Result<Vec<u8>> {
        env.wrap("HB", "005010X279A1", numbers, &mut |w, n| {
            self.write(w, n).map(|_| ())
        })
    }
}

fn rejections<W: Write>(w: &mut Writer<W>, list: &[Rejection]) -> Result<()> {
    for r in list {
        let valid = if r.valid { "Y" } else { "N" };
        w.segment("AAA", &[s(valid), s(""), s(&r.reason), s(&r.follow_up)])?;
    }
    Ok(())
}

fn person<W: Write>(w: &mut Writer<W>, p: &ResponsePerson, code: &str, q: &str) -> Result<()> {
    for t in &p.traces {
        if t.originator.is_empty() {
            w.segment("TRN", &[s("2"), s(&t.reference)])?;
        } else {
            w.segment("TRN", &[s("2"), s(&t.reference), s(&t.originator)])?;
        }
    }
    nm1(w, code, &p.name, q)?;
    rejections(w, &p.rejections)?;
    if let Some(d) = &p.demographics {
        dmg(w, d)?;
    }
    for b in &p.benefits {
        let types: Vec<[&str; 1]> = b.service_types.iter().map(|t| [t.as_str()]).collect();
        let type_refs: Vec<&[&str]> = types.iter().map(|t| &t[..]).collect();
        let eb03 = match type_refs.as_slice() {
            [] => s(""),
            [one] => Field::Composite(one),
            many => Field::Repeated(many),
        };
        let amount = b.amount.map(|a| a.to_string()).unwrap_or_default();
        let percent = b.percent.map(|a| a.to_string()).unwrap_or_default();
        let f = vec![
            s(&b.info),
            s(b.coverage_level.as_deref().unwrap_or("")),
            eb03,
            s(b.insurance_type.as_deref().unwrap_or("")),
            s(b.plan_description.as_deref().unwrap_or("")),
            s(b.time_period.as_deref().unwrap_or("")),
            s(&amount),
            s(&percent),
            s(""),
            s(""),
            s(""),
            s(b.in_network.as_deref().unwrap_or("")),
        ];
        w.segment("EB", &trim(f))?;
        for m in &b.messages {
            w.segment("MSG", &[s(m)])?;
        }
    }
    Ok(())
}
