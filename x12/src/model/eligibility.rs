//! The 270 eligibility inquiry and the 271 eligibility response.

use super::{
    components, date, last, opt, party, party_detail, procedure, reference, rejection, repetitions,
    text, trace, Ctx, DateRef, Party, Problem, Procedure, PushExact, Reference, Rejection, Seg,
    Text, Trace,
};
use crate::decimal::Decimal;
use crate::view::TransactionSet;

/// A 270 or a 271.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum EligibilityKind {
    /// 270: the inquiry (EQ).
    #[default]
    Inquiry,
    /// 271: the response (EB).
    Response,
}

/// One 270 or 271 transaction set: information sources (payers) → receivers
/// (providers) → subscribers → dependents, each subscriber or dependent with its
/// inquiries (270) or benefits (271).
///
/// # Examples
/// ```
/// use carewire_x12::{Decimal, Document, Eligibility};
/// let input = b"ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       \
/// *240101*1200*^*00501*000000001*0*T*:~GS*HB*P*R*20240101*1200*1*X*005010X279A1~\
/// ST*271*0001*005010X279A1~BHT*0022*11*1*20240101*1200~HL*1**20*1~NM1*PR*2*PAYER*****PI*1~\
/// HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1~HL*3*2*22*0~NM1*IL*1*DOE*JANE****MI*1~\
/// EB*1*IND*30^1^33**GOLD~EB*C*IND*30***23*500~EB*A*IND*30*****.2~MSG*COINSURANCE~\
/// SE*13*0001~GE*1*1~IEA*1*000000001~";
/// let doc = Document::parse(input)?;
/// let set = doc.interchange(0).and_then(|i| i.groups().next())
///     .and_then(|g| g.transaction_sets().next()).ok_or("no set")?;
/// let elig = Eligibility::from_set(&set).ok_or("not a 270/271")?;
/// let member = elig.members().next().ok_or("no subscriber")?;
/// let eb = &member.benefits;
/// assert_eq!(eb[0].service_types, ["30", "1", "33"]);
/// assert_eq!(eb[1].amount, Some("500".parse::<Decimal>()?));
/// assert_eq!(eb[2].percent, Some("0.2".parse::<Decimal>()?));
/// assert_eq!(eb[2].messages, ["COINSURANCE"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Eligibility<'a> {
    /// 270 or 271.
    pub kind: EligibilityKind,
    /// ST02.
    pub control_number: Text<'a>,
    /// ST03.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub implementation_reference: Option<Text<'a>>,
    /// BHT02, the purpose (`13` request, `11` response).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub purpose: Option<Text<'a>>,
    /// BHT03, the submitter's transaction reference.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub reference: Option<Text<'a>>,
    /// BHT04.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub date: Option<Text<'a>>,
    /// BHT05.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub time: Option<Text<'a>>,
    /// 2000A loops.
    pub sources: Vec<InformationSource<'a>>,
    /// Elements that should have held numbers and did not.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub problems: Vec<Problem>,
}

/// 2000A/2100A: the information source (payer).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct InformationSource<'a> {
    /// HL01.
    pub hl_id: Text<'a>,
    /// 2100A.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub party: Option<Party<'a>>,
    /// AAA segments of 2000A and 2100A.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub rejections: Vec<Rejection<'a>>,
    /// 2000B loops.
    pub receivers: Vec<InformationReceiver<'a>>,
}

/// 2000B/2100B: the information receiver (provider).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct InformationReceiver<'a> {
    /// HL01.
    pub hl_id: Text<'a>,
    /// 2100B.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub party: Option<Party<'a>>,
    /// AAA segments of 2100B.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub rejections: Vec<Rejection<'a>>,
    /// 2000C loops.
    pub subscribers: Vec<Member<'a>>,
}

/// Subscriber (2000C) or dependent (2000D).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum MemberLevel {
    /// HL03 `22`.
    #[default]
    Subscriber,
    /// HL03 `23`.
    Dependent,
}

/// 2000C/2100C or 2000D/2100D: a subscriber or dependent and what was asked or answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Member<'a> {
    /// Subscriber or dependent.
    pub level: MemberLevel,
    /// HL01.
    pub hl_id: Text<'a>,
    /// TRN segments.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub traces: Vec<Trace<'a>>,
    /// 2100C/D NM1 with its N3/N4, REF, PRV and DMG.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub party: Option<Party<'a>>,
    /// AAA segments of 2100C/D.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub rejections: Vec<Rejection<'a>>,
    /// INS01, insured indicator.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub insured: Option<Text<'a>>,
    /// INS02, individual relationship code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub relationship: Option<Text<'a>>,
    /// DTP segments of 2100C/D (`291` plan, `307` eligibility…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub dates: Vec<DateRef<'a>>,
    /// 2110C/D EQ loops (270).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub inquiries: Vec<Inquiry<'a>>,
    /// 2110C/D EB loops (271).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub benefits: Vec<Benefit<'a>>,
    /// 2000D loops under a subscriber.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub dependents: Vec<Member<'a>>,
}

/// EQ: one eligibility inquiry (270).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Inquiry<'a> {
    /// EQ01 split on the repetition separator: service type codes (`30` health plan
    /// coverage…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub service_types: Vec<Text<'a>>,
    /// EQ02.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub procedure: Option<Procedure<'a>>,
    /// EQ03, the coverage level.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub coverage_level: Option<Text<'a>>,
    /// EQ05 components, diagnosis code pointers.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub diagnosis_pointers: Vec<Text<'a>>,
    /// REF segments of 2110.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub references: Vec<Reference<'a>>,
    /// DTP segments of 2110.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub dates: Vec<DateRef<'a>>,
}

/// EB: one benefit (271), with what follows it in its 2110 loop.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Benefit<'a> {
    /// EB01, the eligibility or benefit information code (`1` active coverage, `6`
    /// inactive, `A` co-insurance, `B` co-payment, `C` deductible, `G` out-of-pocket…).
    pub info: Text<'a>,
    /// EB02, the coverage level (`IND`, `FAM`…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub coverage_level: Option<Text<'a>>,
    /// EB03 split on the repetition separator: service type codes.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub service_types: Vec<Text<'a>>,
    /// EB04, the insurance type code.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub insurance_type: Option<Text<'a>>,
    /// EB05, the plan coverage description.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub plan_description: Option<Text<'a>>,
    /// EB06, the time period qualifier.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub time_period: Option<Text<'a>>,
    /// EB07, the monetary amount.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub amount: Option<Decimal>,
    /// EB08, the percent as a decimal fraction (`.2` is 20%).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub percent: Option<Decimal>,
    /// EB09, the quantity qualifier (`VS` visits, `DY` days…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub quantity_qualifier: Option<Text<'a>>,
    /// EB10.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub quantity: Option<Decimal>,
    /// EB11, authorization or certification required (`Y`/`N`/`U`).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub authorization_required: Option<Text<'a>>,
    /// EB12, in plan network (`Y`/`N`/`U`/`W`).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub in_plan_network: Option<Text<'a>>,
    /// EB13.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub procedure: Option<Procedure<'a>>,
    /// REF segments of 2110.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub references: Vec<Reference<'a>>,
    /// DTP segments of 2110.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub dates: Vec<DateRef<'a>>,
    /// AAA segments of 2110.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub rejections: Vec<Rejection<'a>>,
    /// MSG01 free-form messages.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub messages: Vec<Text<'a>>,
    /// III segments (2115): (code list qualifier, industry code).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub additional: Vec<(Text<'a>, Text<'a>)>,
    /// 2120 loops between LS and LE: benefit-related entities (primary payer, provider
    /// to contact…).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub entities: Vec<Party<'a>>,
}

impl<'a> Eligibility<'a> {
    /// The model of a 270 or 271 transaction set; `None` for other sets.
    pub fn from_set(set: &TransactionSet<'a>) -> Option<Eligibility<'a>> {
        let kind = match set.id() {
            b"270" => EligibilityKind::Inquiry,
            b"271" => EligibilityKind::Response,
            _ => return None,
        };
        Some(build(set.segments(), kind))
    }

    /// Every subscriber and dependent, in document order.
    pub fn members(&self) -> impl Iterator<Item = &Member<'a>> + '_ {
        self.sources
            .iter()
            .flat_map(|s| &s.receivers)
            .flat_map(|r| &r.subscribers)
            .flat_map(|m| std::iter::once(m).chain(&m.dependents))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Header,
    Source,
    Receiver,
    Subscriber,
    Dependent,
}

struct Builder<'a> {
    out: Eligibility<'a>,
    ctx: Ctx,
    level: Level,
    /// A 2100 NM1 has been seen at this level (N3/N4/REF… go to its party).
    named: bool,
    /// An EB or EQ has been seen (REF/DTP/AAA go to it).
    in_2110: bool,
    /// Between LS and LE.
    in_ls: bool,
}

pub(crate) fn build<'a, S: Seg<'a>>(
    segments: impl IntoIterator<Item = S>,
    kind: EligibilityKind,
) -> Eligibility<'a> {
    let mut b = Builder {
        out: Eligibility {
            kind,
            ..Eligibility::default()
        },
        ctx: Ctx::default(),
        level: Level::Header,
        named: false,
        in_2110: false,
        in_ls: false,
    };
    for (i, seg) in segments.into_iter().enumerate() {
        b.ctx.position = i;
        b.segment(&seg);
    }
    b.out.problems = b.ctx.problems;
    b.out
}

impl<'a> Builder<'a> {
    fn source(&mut self) -> &mut InformationSource<'a> {
        last(&mut self.out.sources)
    }

    fn receiver(&mut self) -> &mut InformationReceiver<'a> {
        last(&mut self.source().receivers)
    }

    fn subscriber(&mut self) -> &mut Member<'a> {
        last(&mut self.receiver().subscribers)
    }

    fn member(&mut self) -> &mut Member<'a> {
        if self.level == Level::Dependent {
            let s = self.subscriber();
            if s.dependents.is_empty() {
                s.dependents.push1(Member {
                    level: MemberLevel::Dependent,
                    ..Member::default()
                });
            }
            last(&mut s.dependents)
        } else {
            self.subscriber()
        }
    }

    fn benefit(&mut self) -> &mut Benefit<'a> {
        last(&mut self.member().benefits)
    }

    fn inquiry(&mut self) -> &mut Inquiry<'a> {
        last(&mut self.member().inquiries)
    }

    fn response(&self) -> bool {
        self.out.kind == EligibilityKind::Response
    }

    /// The party N3/N4/REF/PER/PRV/DMG apply to.
    fn party(&mut self) -> Option<&mut Party<'a>> {
        if self.in_ls {
            return self.benefit().entities.last_mut();
        }
        if !self.named || self.in_2110 {
            return None;
        }
        match self.level {
            Level::Header => None,
            Level::Source => self.source().party.as_mut(),
            Level::Receiver => self.receiver().party.as_mut(),
            _ => self.member().party.as_mut(),
        }
    }

    fn rejections(&mut self) -> &mut Vec<Rejection<'a>> {
        if self.in_2110 && self.response() {
            return &mut self.benefit().rejections;
        }
        match self.level {
            Level::Header | Level::Source => &mut self.source().rejections,
            Level::Receiver => &mut self.receiver().rejections,
            _ => &mut self.member().rejections,
        }
    }

    fn segment<S: Seg<'a>>(&mut self, seg: &S) {
        match seg.id() {
            b"ST" => {
                self.out.control_number = text(seg, 2);
                self.out.implementation_reference = opt(seg, 3);
            }
            b"BHT" => {
                self.out.purpose = opt(seg, 2);
                self.out.reference = opt(seg, 3);
                self.out.date = opt(seg, 4);
                self.out.time = opt(seg, 5);
            }
            b"HL" => self.hl(seg),
            b"NM1" => self.nm1(seg),
            b"TRN" if matches!(self.level, Level::Subscriber | Level::Dependent) => {
                self.member().traces.push1(trace(seg));
            }
            b"AAA" => {
                let r = rejection(seg);
                self.rejections().push1(r);
            }
            b"INS" if !self.in_2110 => {
                let m = self.member();
                m.insured = opt(seg, 1);
                m.relationship = opt(seg, 2);
            }
            b"EQ" => {
                self.in_2110 = true;
                self.in_ls = false;
                let q = Inquiry {
                    service_types: repetitions(seg, 1),
                    procedure: procedure(seg, 2),
                    coverage_level: opt(seg, 3),
                    diagnosis_pointers: components(seg, 5),
                    ..Inquiry::default()
                };
                self.member().inquiries.push1(q);
            }
            b"EB" => {
                self.in_2110 = true;
                self.in_ls = false;
                let b = Benefit {
                    info: text(seg, 1),
                    coverage_level: opt(seg, 2),
                    service_types: repetitions(seg, 3),
                    insurance_type: opt(seg, 4),
                    plan_description: opt(seg, 5),
                    time_period: opt(seg, 6),
                    amount: self.ctx.num(seg, 7),
                    percent: self.ctx.num(seg, 8),
                    quantity_qualifier: opt(seg, 9),
                    quantity: self.ctx.num(seg, 10),
                    authorization_required: opt(seg, 11),
                    in_plan_network: opt(seg, 12),
                    procedure: procedure(seg, 13),
                    ..Benefit::default()
                };
                self.member().benefits.push1(b);
            }
            b"MSG" if self.in_2110 && self.response() => {
                let m = text(seg, 1);
                self.benefit().messages.push1(m);
            }
            b"III" if self.in_2110 && self.response() => {
                let pair = (text(seg, 1), text(seg, 2));
                self.benefit().additional.push1(pair);
            }
            b"LS" if self.in_2110 => self.in_ls = true,
            b"LE" => self.in_ls = false,
            b"DTP" if !self.in_ls => {
                let d = date(seg);
                if !self.in_2110 {
                    self.member().dates.push1(d);
                } else if self.response() {
                    self.benefit().dates.push1(d);
                } else {
                    self.inquiry().dates.push1(d);
                }
            }
            b"REF" if self.in_2110 && !self.in_ls => {
                let r = reference(seg);
                if self.response() {
                    self.benefit().references.push1(r);
                } else {
                    self.inquiry().references.push1(r);
                }
            }
            _ => {
                if let Some(p) = self.party() {
                    party_detail(p, seg);
                }
            }
        }
    }

    fn hl<S: Seg<'a>>(&mut self, seg: &S) {
        self.named = false;
        self.in_2110 = false;
        self.in_ls = false;
        let hl_id = text(seg, 1);
        match seg.raw(3) {
            b"20" => {
                self.level = Level::Source;
                self.out.sources.push1(InformationSource {
                    hl_id,
                    ..InformationSource::default()
                });
            }
            b"21" => {
                self.level = Level::Receiver;
                self.source().receivers.push1(InformationReceiver {
                    hl_id,
                    ..InformationReceiver::default()
                });
            }
            b"22" => {
                self.level = Level::Subscriber;
                self.receiver().subscribers.push1(Member {
                    hl_id,
                    ..Member::default()
                });
            }
            b"23" => {
                self.level = Level::Dependent;
                self.subscriber().dependents.push1(Member {
                    level: MemberLevel::Dependent,
                    hl_id,
                    ..Member::default()
                });
            }
            _ => {}
        }
    }

    fn nm1<S: Seg<'a>>(&mut self, seg: &S) {
        let loop_id = match self.level {
            Level::Header => return,
            Level::Source => "2100A",
            Level::Receiver => "2100B",
            Level::Subscriber if self.in_ls => "2120C",
            Level::Subscriber => "2100C",
            Level::Dependent if self.in_ls => "2120D",
            Level::Dependent => "2100D",
        };
        let p = party(seg, loop_id);
        if self.in_ls {
            self.benefit().entities.push1(p);
            return;
        }
        self.named = true;
        match self.level {
            Level::Source => self.source().party = Some(p),
            Level::Receiver => self.receiver().party = Some(p),
            _ => self.member().party = Some(p),
        }
    }
}
