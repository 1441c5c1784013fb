//! Learned routing suggestions (issue 8): a text classifier trained on a tenant's past cases
//! (text → line or unit), pure and deterministic. Features are what works for short Chinese and
//! English complaints without a dictionary: character unigrams and bigrams of Chinese runs, and
//! words and word bigrams of Latin text, weighted by TF-IDF and L2-normalised; the model is a
//! softmax regression trained by seeded stochastic gradient descent. It explains itself by the
//! features that pushed its top label most.

use std::collections::HashMap;

/// Training settings; the defaults are what `docs/BENCHMARKS.md` measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty per step (keeps rare features from dominating small data sets).
    pub l2: f32,
    /// Features seen in fewer documents are dropped.
    pub min_df: usize,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { epochs: 60, learning_rate: 1.5, l2: 1e-6, min_df: 1, seed: 311 }
    }
}

/// One suggested label with its probability and the features behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub label: String,
    /// Softmax probability, 0..1.
    pub confidence: f32,
    /// The features of the text that pushed this label most, strongest first.
    pub because: Vec<(String, f32)>,
}

/// A trained model: labels, vocabulary with IDF, one weight row per label.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Model {
    pub labels: Vec<String>,
    vocab: HashMap<String, usize>,
    idf: Vec<f32>,
    weights: Vec<Vec<f32>>,
    bias: Vec<f32>,
    /// How many examples it learnt from.
    pub examples: usize,
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// The features of a text: Chinese character unigrams and bigrams, Latin words and word pairs.
pub fn features(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush_cjk = |run: &mut Vec<char>, out: &mut Vec<String>| {
        for (i, c) in run.iter().enumerate() {
            out.push(c.to_string());
            if let Some(n) = run.get(i + 1) {
                out.push(format!("{c}{n}"));
            }
        }
        run.clear();
    };
    let flush_words = |words: &mut Vec<String>, out: &mut Vec<String>| {
        for (i, w) in words.iter().enumerate() {
            out.push(w.clone());
            if let Some(n) = words.get(i + 1) {
                out.push(format!("{w} {n}"));
            }
        }
        words.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            flush_words(&mut words, &mut out);
            cjk.push(c);
        } else if c.is_alphanumeric() {
            flush_cjk(&mut cjk, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_cjk(&mut cjk, &mut out);
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            // Punctuation ends a phrase: no word pair across it.
            if !c.is_whitespace() {
                flush_words(&mut words, &mut out);
            }
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    flush_cjk(&mut cjk, &mut out);
    flush_words(&mut words, &mut out);
    out
}

/// A small seeded generator (xorshift64*), so training and folds repeat exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

type Sparse = Vec<(usize, f32)>;

impl Model {
    /// How many features it knows.
    pub fn feature_count(&self) -> usize {
        self.vocab.len()
    }

    /// Learns from `(text, label)` pairs. Panics never; an empty set gives a model that
    /// suggests nothing.
    pub fn train(examples: &[(String, String)], opts: &TrainOptions) -> Model {
        let mut labels: Vec<String> = examples.iter().map(|(_, l)| l.clone()).collect();
        labels.sort();
        labels.dedup();
        let docs: Vec<Vec<String>> = examples.iter().map(|(t, _)| features(t)).collect();
        let mut df: HashMap<&str, usize> = HashMap::new();
        for d in &docs {
            let mut seen: Vec<&str> = d.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for f in seen {
                *df.entry(f).or_default() += 1;
            }
        }
        let mut names: Vec<&str> = df.iter().filter(|(_, n)| **n >= opts.min_df).map(|(f, _)| *f).collect();
        names.sort_unstable();
        let vocab: HashMap<String, usize> = names.iter().enumerate().map(|(i, f)| ((*f).to_owned(), i)).collect();
        let n = docs.len().max(1) as f32;
        let idf: Vec<f32> = names.iter().map(|f| ((1.0 + n) / (1.0 + df[f] as f32)).ln() + 1.0).collect();
        let mut model = Model {
            weights: vec![vec![0.0; names.len()]; labels.len()],
            bias: vec![0.0; labels.len()],
            labels,
            vocab,
            idf,
            examples: examples.len(),
        };
        let data: Vec<(Sparse, usize)> =
            docs.iter().zip(examples).map(|(d, (_, l))| (model.vector(d), model.labels.binary_search(l).unwrap_or(0))).collect();
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = Rng(opts.seed | 1);
        for epoch in 0..opts.epochs {
            rng.shuffle(&mut order);
            // A decaying step: large moves first, fine ones at the end.
            let rate = opts.learning_rate / (1.0 + epoch as f32 * 0.1);
            for &i in &order {
                let (x, y) = &data[i];
                let p = model.probabilities(x);
                for (k, pk) in p.iter().enumerate() {
                    let g = pk - if k == *y { 1.0 } else { 0.0 };
                    let row = &mut model.weights[k];
                    for &(j, v) in x {
                        row[j] -= rate * (g * v + opts.l2 * row[j]);
                    }
                    model.bias[k] -= rate * g * 0.1;
                }
            }
        }
        model
    }

    /// TF-IDF of known features, L2-normalised.
    fn vector(&self, feats: &[String]) -> Sparse {
        let mut tf: HashMap<usize, f32> = HashMap::new();
        for f in feats {
            if let Some(&j) = self.vocab.get(f) {
                *tf.entry(j).or_default() += 1.0;
            }
        }
        let mut v: Sparse = tf.into_iter().map(|(j, c)| (j, (1.0 + c.ln()) * self.idf[j])).collect();
        v.sort_unstable_by_key(|(j, _)| *j);
        let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, x) in &mut v {
                *x /= norm;
            }
        }
        v
    }

    fn probabilities(&self, x: &Sparse) -> Vec<f32> {
        let scores: Vec<f32> =
            self.weights.iter().zip(&self.bias).map(|(row, b)| b + x.iter().map(|&(j, v)| row[j] * v).sum::<f32>()).collect();
        let max = scores.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
        let sum: f32 = exp.iter().sum();
        exp.iter().map(|e| e / sum).collect()
    }

    /// The `k` most likely labels, most likely first, each with up to five features of the text
    /// that weigh for it.
    pub fn suggest(&self, text: &str, k: usize) -> Vec<Suggestion> {
        if self.labels.is_empty() {
            return Vec::new();
        }
        let feats = features(text);
        let x = self.vector(&feats);
        let p = self.probabilities(&x);
        let mut ranked: Vec<usize> = (0..self.labels.len()).collect();
        // Ties broken by label order, so the answer never depends on hashing.
        ranked.sort_by(|a, b| p[*b].total_cmp(&p[*a]).then(a.cmp(b)));
        let names: HashMap<usize, &str> = self.vocab.iter().map(|(f, j)| (*j, f.as_str())).collect();
        ranked
            .into_iter()
            .take(k)
            .map(|label| {
                let mut because: Vec<(String, f32)> =
                    x.iter().map(|&(j, v)| (names[&j].to_owned(), self.weights[label][j] * v)).filter(|(_, w)| *w > 0.0).collect();
                because.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                because.truncate(5);
                Suggestion { label: self.labels[label].clone(), confidence: p[label], because }
            })
            .collect()
    }
}

/// Cross-validated accuracy.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub examples: usize,
    pub labels: usize,
    pub folds: usize,
    /// Share of held-out examples whose label was the first suggestion.
    pub top1: f64,
    /// … among the first three.
    pub top3: f64,
}

/// Stratified k-fold cross-validation: each label's examples are dealt round-robin over the
/// folds after a seeded shuffle, each fold is held out once. `seeds` are training-only examples
/// (a line's catalogue, a taxonomy): in every training set, never evaluated.
pub fn cross_validate(examples: &[(String, String)], seeds: &[(String, String)], folds: usize, opts: &TrainOptions) -> Evaluation {
    let folds = folds.clamp(2, examples.len().max(2));
    let mut by_label: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, l)) in examples.iter().enumerate() {
        by_label.entry(l.as_str()).or_default().push(i);
    }
    let mut keys: Vec<&str> = by_label.keys().copied().collect();
    keys.sort_unstable();
    let mut rng = Rng(opts.seed.wrapping_mul(31) | 1);
    let mut fold_of = vec![0usize; examples.len()];
    let mut next = 0;
    for key in &keys {
        let mut idx = by_label[key].clone();
        rng.shuffle(&mut idx);
        for i in idx {
            fold_of[i] = next % folds;
            next += 1;
        }
    }
    let (mut hit1, mut hit3, mut total) = (0usize, 0usize, 0usize);
    for f in 0..folds {
        let train: Vec<(String, String)> =
            examples.iter().enumerate().filter(|(i, _)| fold_of[*i] != f).map(|(_, e)| e.clone()).chain(seeds.iter().cloned()).collect();
        let model = Model::train(&train, opts);
        for (_, (text, label)) in examples.iter().enumerate().filter(|(i, _)| fold_of[*i] == f) {
            let top = model.suggest(text, 3);
            total += 1;
            if top.first().is_some_and(|s| &s.label == label) {
                hit1 += 1;
            }
            if top.iter().any(|s| &s.label == label) {
                hit3 += 1;
            }
        }
    }
    let share = |n: usize| if total == 0 { 0.0 } else { n as f64 / total as f64 };
    Evaluation { examples: examples.len(), labels: keys.len(), folds, top1: share(hit1), top3: share(hit3) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> Vec<(String, String)> {
        let rows = [
            ("小区停水三天了", "12319"),
            ("自来水水压太低", "12319"),
            ("停水没有通知", "12319"),
            ("路灯坏了不亮", "12319"),
            ("超市卖过期食品", "12315"),
            ("商家拒绝退款", "12315"),
            ("买到过期牛奶", "12315"),
            ("工厂夜间排放废气", "12369"),
            ("河道有人偷排污水", "12369"),
            ("工地噪音扰民废气", "12369"),
        ];
        rows.iter().map(|(t, l)| ((*t).to_owned(), (*l).to_owned())).collect()
    }

    #[test]
    fn features_are_chinese_bigrams_and_latin_words() {
        assert_eq!(features("停水了"), ["停", "停水", "水", "水了", "了"]);
        assert_eq!(features("Noise - Street"), ["noise", "street"]);
        assert_eq!(features("Illegal Parking 违停"), ["illegal", "illegal parking", "parking", "违", "违停", "停"]);
        assert!(features("").is_empty() && features("，。!").is_empty());
    }

    #[test]
    fn it_learns_and_explains_itself() {
        let m = Model::train(&set(), &TrainOptions::default());
        assert_eq!(m.labels, ["12315", "12319", "12369"]);
        let s = m.suggest("我家又停水了", 3);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].label, "12319");
        assert!(s[0].confidence > s[1].confidence && s[0].confidence > 0.5, "{s:?}");
        assert!(s[0].because.iter().any(|(f, _)| f == "停水"), "{:?}", s[0].because);
        let total: f32 = s.iter().map(|x| x.confidence).sum();
        assert!((total - 1.0).abs() < 1e-4);
        assert_eq!(m.suggest("商场卖过期食品", 1)[0].label, "12315");
        assert_eq!(m.suggest("半夜排放废气", 1)[0].label, "12369");
    }

    #[test]
    fn training_repeats_exactly_and_survives_nothing() {
        let a = Model::train(&set(), &TrainOptions::default());
        let b = Model::train(&set(), &TrainOptions::default());
        assert_eq!(a, b);
        let empty = Model::train(&[], &TrainOptions::default());
        assert!(empty.suggest("停水", 3).is_empty());
        // Text with no known feature still gets a ranked answer, not a panic.
        assert_eq!(a.suggest("xyz", 3).len(), 3);
    }

    #[test]
    fn cross_validation_holds_each_example_out_once() {
        let e = cross_validate(&set(), &[], 3, &TrainOptions::default());
        assert_eq!((e.examples, e.labels, e.folds), (10, 3, 3));
        assert!(e.top1 >= 0.5 && e.top3 == 1.0, "{e:?}");
        assert_eq!(e, cross_validate(&set(), &[], 3, &TrainOptions::default()));
        // Seeds teach but are never held out: a word only they know is then recognised.
        let seeds = [("路灯 照明".to_owned(), "12319".to_owned())];
        let with = cross_validate(&set(), &seeds, 3, &TrainOptions::default());
        assert_eq!(with.examples, 10);
    }
}
