use uuid::Uuid;

use super::*;

fn terms(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.term).collect()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn doc(n: u128, title: &str, body: &str, tags: &[&str]) -> Doc {
    Doc { id: id(n), title: title.into(), body: body.into(), tags: tags.iter().map(|t| t.to_string()).collect() }
}

fn all(_: Uuid) -> bool {
    true
}

fn joined(segments: &[Segment]) -> String {
    segments.iter().map(|s| s.text.as_str()).collect()
}

fn marked(segments: &[Segment]) -> Vec<&str> {
    segments.iter().filter(|s| s.hit).map(|s| s.text.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. The tokeniser

#[test]
fn chinese_runs_give_bigrams_and_unigrams_with_their_spans() {
    assert_eq!(terms("停水了"), ["停", "停水", "水", "水了", "了"]);
    let t = tokens("停水了");
    assert_eq!((t[1].kind, t[1].start, t[1].end), (TokenKind::Bigram, 0, 6));
    assert_eq!((t[2].kind, t[2].start, t[2].end), (TokenKind::Unigram, 3, 6));
    // Punctuation ends a run: no pair across it.
    assert_eq!(terms("水，电"), ["水", "电"]);
}

#[test]
fn mixed_chinese_latin_and_digits_split_by_script() {
    assert_eq!(terms("12345热线app"), ["12345", "热", "热线", "线", "app"]);
    let t = tokens("12345热线app");
    assert_eq!((t[0].kind, t[0].start, t[0].end), (TokenKind::Word, 0, 5));
    assert_eq!((t[4].kind, t[4].start, t[4].end), (TokenKind::Word, 11, 14));
    assert_eq!(terms("Street Lights, Café déjà-vu"), ["street", "light", "cafe", "deja", "vu"]);
    // Plural fold: not short words, not "ss".
    assert_eq!(terms("bus gas apps address"), ["bus", "gas", "app", "address"]);
}

#[test]
fn full_width_is_folded_to_half_width() {
    assert_eq!(terms("Ａ１２３１５热线"), ["a12315", "热", "热线", "线"]);
    assert_eq!(terms("ＡＰＰ\u{3000}下载"), terms("app 下载"));
    // A combining mark stays with its letter and is dropped from the term.
    assert_eq!(terms("cafe\u{301}"), ["cafe"]);
    assert_eq!(tokens("cafe\u{301}")[0].end, "cafe\u{301}".len());
}

#[test]
fn punctuation_symbols_and_space_give_nothing() {
    for q in ["", "   ", "，。！？…—", "!!! ??? ...", "😀🚀 ❤️", "\u{301}\u{301}", "（）《》【】"] {
        assert!(tokens(q).is_empty(), "{q:?}");
    }
}

#[test]
fn a_query_is_normalised_for_the_gap_report() {
    assert_eq!(normalise_query("  停水 \t ＡＰＰ\u{3000}下载  "), "停水 app 下载");
    assert_eq!(normalise_query("Social   SECURITY"), "social security");
    assert_eq!(normalise_query(" \u{3000} "), "");
}

// ---------------------------------------------------------------------------------------------
// 2. Search quality on a small Chinese knowledge base

/// Realistic 12345 knowledge articles, numbered 1..
const ARTICLES: &[(&str, &str, &[&str])] = &[
    (
        "停水通知与临时供水点",
        "因管网维修或水厂检修需要计划停水的，供水企业会提前24小时在小区公告栏和官网发布停水通知，写明停水范围和恢复供水时间。\
         停水期间，街道会在社区服务中心门口设置临时供水点，居民可自带容器取水。突发爆管造成的停水，请拨打供水服务热线报修。",
        &["供水", "停水"],
    ),
    (
        "燃气泄漏应急处理",
        "闻到燃气（俗称煤气）异味时，请立即关闭燃气总阀，打开门窗通风，不要开关电器、不要使用明火或在室内打电话。\
         撤离到室外安全地带后，拨打燃气公司24小时抢修电话或119报警。燃气泄漏属于紧急事项，12345会立即转接。",
        &["燃气", "安全"],
    ),
    (
        "社保卡补办流程",
        "社会保障卡（Social Security Card）丢失后，请先通过12333电话、人社APP或银行网点办理挂失，防止被冒用。\
         挂失后携带本人身份证到社保卡服务网点或合作银行申请补办，补卡一般需要7至15个工作日，部分网点可即时制卡。",
        &["社保", "人社"],
    ),
    (
        "住房公积金提取条件",
        "职工购买、建造、翻建、大修自住住房，偿还购房贷款本息，租房自住，离休退休，或出境定居的，可以申请提取住房公积金。\
         提取时需提供身份证、银行卡和相关证明材料，可在公积金中心柜台、网上办事大厅或手机公积金APP办理，一般3个工作日内到账。",
        &["公积金"],
    ),
    (
        "夜间施工噪音投诉",
        "晚上22时至次日6时，在居民区附近进行产生噪声的建筑施工作业，须取得夜间施工许可并公示。\
         工地未经许可夜间施工、打桩或机械作业太吵影响休息的，可拨打12345或12319投诉，城管部门会到现场核查并依法处罚。",
        &["噪音", "城管"],
    ),
    (
        "占道经营投诉处理",
        "商贩在人行道、路口或小区门口摆摊设点、店外经营，影响通行和市容的，属于占道经营。\
         市民可通过12345热线或城管APP反映具体位置和时间，城管执法队员将在规定时限内到场劝离或处罚。",
        &["城管", "市容"],
    ),
    (
        "物业费纠纷调解",
        "业主对物业服务质量不满意，或认为物业公司乱收费、收费标准不透明的，可以先与物业公司协商，\
         也可向社区居委会、街道物业管理办公室申请调解。物业收费标准应在小区显著位置公示，未经业主大会同意不得擅自提高。",
        &["物业"],
    ),
    (
        "新生儿落户办理",
        "新生儿出生后一个月内，由父母一方持出生医学证明、父母双方户口簿和身份证、结婚证到户籍所在地派出所申报出生登记，\
         为孩子上户口。部分地区已实现医院出生证明、户口登记、医保参保一件事联办，可在政务服务APP在线申请。",
        &["户籍", "公安"],
    ),
    (
        "医保异地就医备案",
        "参保人员跨省异地就医前，应先办理异地就医备案，可通过国家医保服务平台APP、医保局窗口或12393热线办理。\
         备案后在就医地定点医院住院或门诊看病可直接结算报销；未备案的，需先垫付费用再回参保地手工报销，比例可能降低。",
        &["医保"],
    ),
    (
        "电动车充电安全",
        "严禁将电动自行车停放在楼道、疏散通道、安全出口，严禁私拉电线、飞线充电或将电池带回家中充电。\
         请到小区集中充电桩充电，充满及时断电。发现楼道内停放电动车或飞线充电，可向物业、社区或消防部门反映。",
        &["消防", "安全"],
    ),
    (
        "路灯不亮报修",
        "道路路灯不亮、常亮、灯杆倾斜或线缆裸露的，请记下路名和灯杆编号，拨打12345或市政设施服务热线报修。\
         市政路灯一般在48小时内修复。Street light repair requests can also be filed in English through the 12345 app.",
        &["市政"],
    ),
    (
        "垃圾分类投放时间",
        "生活垃圾分为可回收物、有害垃圾、厨余垃圾和其他垃圾四类。\
         小区厨余垃圾一般在早上7点至9点、晚上18点至20点定时定点投放，其他时段请投放到误时投放点。大件垃圾和装修垃圾需预约清运。",
        &["垃圾分类", "环卫"],
    ),
    (
        "价格违法举报",
        "商家哄抬物价、乱涨价、明码标价不实、价格欺诈，或加油站油价高于政府指导价的，可拨打12345或12358价格举报热线反映，\
         也可在市场监管部门网站在线举报。请保留小票、标价签照片等证据。",
        &["物价", "市场监管"],
    ),
    (
        "居住证办理",
        "在本市居住半年以上，并有合法稳定就业、合法稳定住所或连续就读之一的，可以申领居住证。\
         需要的材料：身份证、近期照片、居住地住址证明（租房合同或房产证明）以及就业或就读证明，到居住地派出所或社区警务室办理。",
        &["户籍", "公安"],
    ),
    (
        "养老保险缴费查询",
        "个人养老保险缴费记录、缴费年限和个人账户余额，可通过12333热线、人社APP、电子社保卡或社保经办窗口查询。\
         退休后每月领取的养老金金额也可在上述渠道查询，对缴费记录有疑问的可申请核查补正。",
        &["社保", "养老金"],
    ),
    (
        "12315消费投诉流程",
        "消费者与经营者发生消费纠纷，如网购商品质量问题、商家拒绝退货退款、预付卡跑路，可拨打12315或登录全国12315平台投诉。\
         投诉时需提供经营者名称、地址、购买凭证和具体诉求，市场监管部门一般在7个工作日内决定是否受理。",
        &["消费者", "市场监管"],
    ),
    (
        "供电故障报修（12398 / 95598）",
        "家中突然停电，先检查自家空气开关是否跳闸；若整栋楼或整个片区停电，属于供电故障，请拨打95598电力服务热线报修，\
         抢修人员会尽快到场。对供电企业服务不满意或供电质量长期不达标的，可拨打12398能源监管热线投诉。",
        &["电力", "停电"],
    ),
    (
        "环境污染举报（12369）",
        "工厂偷排污水、向河流排污、烟囱冒黑烟排放废气、夜间偷倒危险废物的，可拨打12369环保举报热线或12345反映。\
         举报时请说明污染源位置、时间和现象，生态环境部门会安排执法人员现场检查，对举报人信息严格保密。",
        &["环保", "生态环境"],
    ),
    (
        "出租车拒载、绕路投诉",
        "出租车司机拒载、绕路、不打表、议价或服务态度恶劣的，请记下车牌号、乘车时间和上下车地点，保留发票，\
         拨打12345或交通运输服务监督电话12328投诉。网约车问题可先向平台客服投诉。",
        &["交通运输", "出租车"],
    ),
    (
        "不动产登记",
        "买卖二手房、继承房产、新建商品房首次登记等，都需要到不动产登记中心办理不动产登记，领取不动产权证书（原房产证）。\
         一般需要身份证、购房合同、完税证明等材料，可在网上预约后到窗口办理，大部分业务5个工作日内办结。",
        &["自然资源", "房产"],
    ),
    (
        "12345热线受理范围",
        "12345政务服务便民热线受理企业和群众的咨询、投诉、举报、求助和建议，7×24小时人工服务，也可通过12345 APP、\
         微信小程序和网站提交。110、119、120、122等紧急事项请直接拨打对应紧急电话。",
        &["12345"],
    ),
    (
        "个人所得税年度汇算",
        "每年3月1日至6月30日办理上一年度个人所得税综合所得汇算清缴，可通过个人所得税APP在线申报，申请退税或补税。\
         有疑问可拨打12366纳税服务热线咨询。",
        &["税务", "个税"],
    ),
    (
        "失业保险金申领",
        "参加失业保险缴费满一年、非因本人意愿中断就业并已办理失业登记的，可以申领失业保险金。\
         可通过人社APP、电子社保卡或公共就业服务机构窗口申请，失业金按月发放。",
        &["人社", "就业"],
    ),
    (
        "养犬登记与不文明养犬投诉",
        "城市养犬须办理养犬登记并按时为犬只注射狂犬疫苗。遛狗时应束犬链、及时清理犬粪，禁止饲养烈性犬。\
         遇到狗咬伤人、犬只扰民或遛狗不牵绳的，可向12345或公安部门反映。",
        &["公安", "养犬"],
    ),
    (
        "冬季供暖不热投诉",
        "供暖期内室温低于18℃的，可先联系供热企业或物业报修，要求上门测温；问题长期得不到解决的，可拨打12345投诉，\
         由供热主管部门督促整改，符合条件的可要求退还部分采暖费。",
        &["供热", "暖气"],
    ),
    (
        "公交线路调整咨询",
        "公交线路新开、调整或站点迁移，会提前在站牌和公交集团官网公告。对公交车晚点、甩站、司机服务态度差的，\
         可拨打公交服务热线或12345反映，也可提出增设线路的建议。",
        &["公交", "交通运输"],
    ),
    (
        "校外培训机构退费纠纷",
        "校外培训机构停业、跑路或拒不退还剩余课时费的，家长可保留合同和缴费凭证，向教育部门、市场监管部门或12345反映，\
         也可通过法律途径维权。预付费超过3个月或5000元的属于违规收费。",
        &["教育", "退费"],
    ),
];

fn knowledge_base() -> Index {
    let mut index = Index::new();
    for (n, (title, body, tags)) in ARTICLES.iter().enumerate() {
        index.upsert(doc(n as u128 + 1, title, body, tags));
    }
    index
}

fn titles(index: &Index, query: &str, limit: usize) -> Vec<&'static str> {
    index.search(query, all, limit).iter().map(|h| ARTICLES[(h.id.as_u128() - 1) as usize].0).collect()
}

#[test]
fn the_right_article_comes_first() {
    let index = knowledge_base();
    assert_eq!(index.len(), ARTICLES.len());
    let cases: &[(&str, &str)] = &[
        // Colloquial, partial and reordered wording.
        ("公积金怎么取", "住房公积金提取条件"),
        ("社保卡丢了", "社保卡补办流程"),
        ("半夜工地太吵", "夜间施工噪音投诉"),
        ("路灯坏了", "路灯不亮报修"),
        ("停电了找谁", "供电故障报修（12398 / 95598）"),
        ("投诉施工噪音", "夜间施工噪音投诉"),
        ("补办社保卡", "社保卡补办流程"),
        ("家里有煤气味怎么办", "燃气泄漏应急处理"),
        ("燃气泄漏", "燃气泄漏应急处理"),
        ("新生儿怎么上户口", "新生儿落户办理"),
        ("异地就医怎么报销", "医保异地就医备案"),
        ("电动车在楼道充电", "电动车充电安全"),
        ("厨余垃圾几点扔", "垃圾分类投放时间"),
        ("商家乱涨价", "价格违法举报"),
        ("加油站油价太高", "价格违法举报"),
        ("办居住证要什么材料", "居住证办理"),
        ("养老金查询", "养老保险缴费查询"),
        ("网购退货商家不同意", "12315消费投诉流程"),
        ("工厂往河里排污", "环境污染举报（12369）"),
        ("出租车不打表", "出租车拒载、绕路投诉"),
        ("房产证怎么办", "不动产登记"),
        ("物业乱收费", "物业费纠纷调解"),
        ("小区门口摆摊", "占道经营投诉处理"),
        ("临时供水点在哪", "停水通知与临时供水点"),
        ("暖气不热", "冬季供暖不热投诉"),
        ("遛狗不牵绳", "养犬登记与不文明养犬投诉"),
        ("培训班跑路退费", "校外培训机构退费纠纷"),
        ("个税退税", "个人所得税年度汇算"),
        ("失业金怎么领", "失业保险金申领"),
        // Numbers, English, full width, one character.
        ("12398", "供电故障报修（12398 / 95598）"),
        ("social security card", "社保卡补办流程"),
        ("Street Lights", "路灯不亮报修"),
        ("１２３１５投诉", "12315消费投诉流程"),
        ("ＡＰＰ提取公积金", "住房公积金提取条件"),
        ("犬", "养犬登记与不文明养犬投诉"),
    ];
    let mut wrong = Vec::new();
    for (query, expected) in cases {
        let got = titles(&index, query, 3);
        if got.first() != Some(expected) {
            wrong.push(format!("{query} → {got:?}, expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} wrong:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

#[test]
fn the_right_article_is_in_the_top_three() {
    let index = knowledge_base();
    let cases: &[(&str, &str)] = &[
        ("水", "停水通知与临时供水点"),
        ("12345 app", "12345热线受理范围"),
        ("社保", "社保卡补办流程"),
        ("社保", "养老保险缴费查询"),
        ("投诉出租车司机", "出租车拒载、绕路投诉"),
        ("公安 户口", "新生儿落户办理"),
    ];
    for (query, expected) in cases {
        let got = titles(&index, query, 3);
        assert!(got.contains(expected), "{query} → {got:?}, expected {expected} in the top 3");
    }
}

#[test]
fn a_query_the_knowledge_base_cannot_answer_finds_nothing() {
    let index = knowledge_base();
    // Its single characters do occur (民 in 居民, 证 in 身份证), so only the rule that a hit
    // needs a bigram or a word keeps the answer empty.
    for c in ["民", "证"] {
        assert!(!index.search(c, all, 1).is_empty(), "{c} should occur in the corpus");
    }
    for query in ["火星移民签证", "量子计算机", "ｘｙｚｚｙ", "", "   ", "，。！？", "😀"] {
        let hits = index.search(query, all, 10);
        assert!(hits.is_empty(), "{query:?} → {:?}", hits.iter().map(|h| h.id).collect::<Vec<_>>());
    }
}

#[test]
fn more_distinct_terms_beat_one_term_repeated() {
    let mut index = Index::new();
    index.upsert(doc(1, "燃气燃气燃气", "燃气燃气燃气燃气燃气燃气燃气燃气燃气燃气燃气燃气", &["燃气"]));
    index.upsert(doc(2, "燃气泄漏", "燃气泄漏后请开窗通风，离开房间再打电话。", &[]));
    for n in 3..20 {
        index.upsert(doc(n, &format!("燃气表读数{n}"), "燃气公司上门抄表，燃气费按月缴纳。", &[]));
    }
    let hits = index.search("燃气泄漏怎么办", all, 3);
    assert_eq!(hits[0].id, id(2), "{hits:?}");
    let one = hits.iter().find(|h| h.id == id(1)).map_or(0.0, |h| h.score);
    assert!(hits[0].score > one);
}

#[test]
fn title_outweighs_body() {
    let mut index = Index::new();
    index.upsert(doc(1, "关于其他事项", "路灯维修由市政负责。", &[]));
    index.upsert(doc(2, "路灯维修", "由市政负责，关于其他事项。", &[]));
    assert_eq!(titles_of(&index, "路灯维修"), [id(2), id(1)]);
}

fn titles_of(index: &Index, query: &str) -> Vec<Uuid> {
    index.search(query, all, 10).iter().map(|h| h.id).collect()
}

// ---------------------------------------------------------------------------------------------
// 3. Maintenance, filters, ordering, highlighting, odd input

#[test]
fn upsert_replaces_and_remove_removes() {
    let mut index = Index::new();
    index.upsert(doc(1, "停水通知", "明天上午停水。", &[]));
    index.upsert(doc(2, "停电通知", "今晚停电检修。", &[]));
    assert_eq!(titles_of(&index, "停水"), [id(1)]);
    index.upsert(doc(1, "燃气检修", "明天上午燃气检修。", &[]));
    assert_eq!(index.len(), 2);
    assert!(titles_of(&index, "停水").is_empty());
    assert_eq!(titles_of(&index, "燃气"), [id(1)]);
    assert!(index.remove(id(1)));
    assert!(!index.remove(id(1)));
    assert!(!index.contains(id(1)));
    assert_eq!(index.len(), 1);
    assert!(titles_of(&index, "燃气").is_empty());
    assert!(titles_of(&index, "检修").contains(&id(2)));
    assert!(index.remove(id(2)));
    assert!(index.is_empty());
    assert!(titles_of(&index, "停电").is_empty());
}

#[test]
fn churn_is_swept_and_scores_do_not_drift() {
    let mut index = knowledge_base();
    let base = index.stats();
    let before = index.search("社保卡丢了", all, 5);
    // Thousands of replacements: the tombstones get swept, the vocabulary of dead versions goes.
    for round in 0..3000u128 {
        index.upsert(doc(1000 + round % 7, &format!("临时文章{round}"), &format!("一次性词语xq{round}"), &[]));
    }
    for n in 0..7 {
        assert!(index.remove(id(1000 + n)));
    }
    let stats = index.stats();
    assert_eq!(stats.docs, ARTICLES.len());
    // Unswept, 3,000 dead versions would hold 3,000 slots and 6,000 one-off terms.
    let dead = stats.slots - stats.docs;
    assert!(dead <= 1024 + 7, "{stats:?}");
    assert!(stats.terms < base.terms + 2 * dead + 50, "{stats:?} vs {base:?}");
    assert!(titles_of(&index, "xq2999").is_empty());
    assert!(titles_of(&index, "文章").is_empty());
    let after = index.search("社保卡丢了", all, 5);
    let key = |h: &[Hit]| h.iter().map(|h| (h.id, (h.score * 1e4).round() as i64)).collect::<Vec<_>>();
    assert_eq!(key(&before), key(&after));
}

#[test]
fn keep_filters_and_limit_caps() {
    let index = knowledge_base();
    let odd = |u: Uuid| u.as_u128() % 2 == 1;
    let hits = index.search("12345", odd, 100);
    assert!(hits.len() > 3);
    assert!(hits.iter().all(|h| odd(h.id)));
    assert_eq!(index.search("12345", all, 2).len(), 2);
    assert!(index.search("12345", all, 0).is_empty());
    assert!(index.search("12345", |_| false, 10).is_empty());
    // The best `limit` are the first `limit` of the full ranking.
    let full = titles_of(&index, "12345");
    let top: Vec<Uuid> = index.search("12345", all, 3).iter().map(|h| h.id).collect();
    assert_eq!(top, full[..3]);
    assert!(index.search("12345", all, 100).windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn equal_scores_are_ordered_by_id() {
    let mut index = Index::new();
    for n in [9u128, 3, 7, 1, 5] {
        index.upsert(doc(n, "路灯报修", "路灯不亮请报修。", &[]));
    }
    index.upsert(doc(4, "停水", "停水通知。", &[]));
    let hits = index.search("路灯", all, 10);
    assert!(hits.windows(2).all(|w| w[0].score == w[1].score));
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [id(1), id(3), id(5), id(7), id(9)]);
    // The same with a partial selection.
    assert_eq!(index.search("路灯", all, 2).iter().map(|h| h.id).collect::<Vec<_>>(), [id(1), id(3)]);
}

#[test]
fn title_segments_put_the_title_back_together() {
    let index = knowledge_base();
    for (query, _) in [("社保卡丢了", 0), ("停电了找谁", 0), ("social security card", 0), ("水", 0), ("12398", 0)] {
        for hit in index.search(query, all, 5) {
            let title = ARTICLES[(hit.id.as_u128() - 1) as usize].0;
            assert_eq!(joined(&hit.title), title, "{query}");
            assert!(hit.title.windows(2).all(|w| w[0].hit != w[1].hit), "unmerged {:?}", hit.title);
            assert!(hit.title.iter().all(|s| !s.text.is_empty()));
        }
    }
    let hits = index.search("社保卡丢了", all, 1);
    assert_eq!(marked(&hits[0].title), ["社保卡"]);
    let hits = index.search("停电了找谁", all, 1);
    assert_eq!(marked(&hits[0].snippet).first(), Some(&"停电"));
    // A one-character query marks that character; in a longer query single characters are
    // not marked on their own.
    let hits = index.search("水", all, 1);
    assert!(marked(&hits[0].title).contains(&"水"), "{:?}", hits[0].title);
    let hits = index.search("停水了", all, 1);
    assert_eq!(marked(&hits[0].title), ["停水"]);
    assert!(!marked(&hits[0].snippet).contains(&"水"), "{:?}", hits[0].snippet);
}

#[test]
fn the_snippet_is_a_window_around_the_densest_matches() {
    let filler = "这是一段与查询无关的说明文字，用来把正文拉长。".repeat(20);
    let body = format!("{filler}路灯坏了请拨打热线报修，路灯编号写在灯杆上。{filler}提到一次路灯。{filler}");
    let mut index = Index::new();
    index.upsert(doc(1, "说明", &body, &[]));
    let hit = &index.search("路灯报修", all, 1)[0];
    let text = joined(&hit.snippet);
    assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
    assert!(text.chars().count() <= 122, "{}", text.chars().count());
    assert!(text.contains("路灯坏了请拨打热线报修，路灯编号"), "{text}");
    assert_eq!(marked(&hit.snippet), ["路灯", "报修", "路灯"]);
    // A short body is shown whole, with no "…".
    let mut index = Index::new();
    index.upsert(doc(2, "路灯", "路灯不亮请报修。", &[]));
    let hit = &index.search("报修", all, 1)[0];
    assert_eq!(joined(&hit.snippet), "路灯不亮请报修。");
    assert_eq!(
        hit.snippet,
        [
            Segment { text: "路灯不亮请".into(), hit: false },
            Segment { text: "报修".into(), hit: true },
            Segment { text: "。".into(), hit: false }
        ]
    );
    // A match only in the title shows the start of the body.
    let mut index = Index::new();
    index.upsert(doc(3, "路灯报修", &filler, &[]));
    let hit = &index.search("路灯", all, 1)[0];
    assert!(joined(&hit.snippet).starts_with("这是一段") && joined(&hit.snippet).ends_with('…'));
    assert!(marked(&hit.snippet).is_empty());
}

#[test]
fn tags_count_between_title_and_body() {
    let mut index = Index::new();
    index.upsert(doc(1, "通知", "内容提到消防。", &[]));
    index.upsert(doc(2, "通知", "内容。", &["消防"]));
    index.upsert(doc(3, "消防通知", "内容。", &[]));
    assert_eq!(titles_of(&index, "消防"), [id(3), id(2), id(1)]);
}

#[test]
fn odd_input_does_not_panic() {
    let long: String = "停水通知😀e\u{301}ＡＢ１２路灯\u{200d}👩‍👩‍👧 ".chars().cycle().take(10_000).collect();
    let odd = [
        "",
        "😀😀😀",
        "e\u{301}\u{301}\u{301}",
        "\u{301}开头的组合符",
        "👩‍👩‍👧‍👦 family",
        "零宽\u{200b}空格",
        "\u{0}\u{1}控制符\u{7f}",
        "𠀀𠀁𠀂 扩展B区",
        "ｘ",
        "a",
        &long,
    ];
    let mut index = Index::new();
    for (n, text) in odd.iter().enumerate() {
        index.upsert(doc(n as u128, text, text, &[text, ""]));
    }
    index.upsert(doc(100, "", "", &[]));
    index.upsert(doc(101, "只有标题", "", &[]));
    for q in odd.iter().chain(&["停水", "路灯 ab12", "family", "扩展", "𠀀𠀁", "😀", "\u{301}"]) {
        for hit in index.search(q, all, 20) {
            let stored = odd.get(hit.id.as_u128() as usize).copied().unwrap_or(if hit.id == id(101) { "只有标题" } else { "" });
            assert_eq!(joined(&hit.title), stored);
            assert!(hit.score.is_finite() && hit.score > 0.0);
            assert!(joined(&hit.snippet).chars().count() <= 122);
        }
    }
    assert!(!index.search("停水", all, 20).is_empty());
    assert!(!index.search("family", all, 20).is_empty());
    assert!(index.search("路灯", all, 20).iter().any(|h| h.id == id(10)));
    for n in 0..=101 {
        index.remove(id(n));
    }
    assert!(index.is_empty() && index.search("停水", all, 5).is_empty());
}

#[test]
fn hits_and_segments_serialise() {
    let index = knowledge_base();
    let hit = index.search("社保卡", all, 1).remove(0);
    let json = serde_json::to_value(&hit).unwrap_or_default();
    assert_eq!(json["title"][0], serde_json::json!({"text": "社保卡", "hit": true}));
    let back: Hit = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, hit);
}

#[test]
fn the_index_can_be_shared_across_threads() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<Index>();
}

// ---------------------------------------------------------------------------------------------
// 4. Every generated article is found by four characters of its own title

/// A small deterministic generator (xorshift64*), so the generated articles repeat exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn every_article_is_found_by_a_slice_of_its_title() {
    // A small alphabet, so pairs recur across articles and the title has to win on weight.
    // Titles are Chinese only, so a four-character slice is never a cut English word (the
    // index matches whole words, not prefixes); bodies mix in words and punctuation.
    let alphabet: Vec<char> =
        "市区街道社区小区物业停水电燃气路灯噪音投诉举报咨询办理补办证件医保社保公积金垃圾公交出租车".chars().collect();
    let words = ["app", "12345", "wifi", "bus", "gas"];
    let mut rng = Rng(0x5eed);
    let text = |rng: &mut Rng, len: usize, mixed: bool| -> String {
        (0..len)
            .map(|_| match rng.below(12) {
                0 if mixed => format!(" {} ", words[rng.below(words.len())]),
                1 if mixed => "，".to_string(),
                _ => alphabet[rng.below(alphabet.len())].to_string(),
            })
            .collect()
    };
    let mut index = Index::new();
    let mut docs = Vec::new();
    for n in 0..200u128 {
        let title_len = 6 + rng.below(9);
        let body_len = 20 + rng.below(200);
        let d = doc(n, &text(&mut rng, title_len, false), &text(&mut rng, body_len, true), &[]);
        index.upsert(d.clone());
        docs.push(d);
    }
    let mut missed = Vec::new();
    for d in &docs {
        let chars: Vec<char> = d.title.chars().collect();
        let at = rng.below(chars.len().saturating_sub(3).max(1));
        let query: String = chars.iter().skip(at).take(4).collect();
        let found = index.search(&query, all, 5).iter().any(|h| h.id == d.id);
        if !found {
            missed.push(format!("{query:?} in {:?}", d.title));
        }
    }
    assert!(missed.is_empty(), "{} missed:\n{}", missed.len(), missed.join("\n"));
}
