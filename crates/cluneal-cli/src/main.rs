//! The `cluneal` command: thin glue between the terminal and the library crates.

mod evaluate;
mod input;
mod interview;
mod knowledge;
mod learn;
mod render;
mod server;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use cluneal_engine::{Case, Engine, Respondent};

// Reports are built from many small allocations; mimalloc makes them markedly
// cheaper than the system allocator (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "cluneal",
    version,
    about = "Clinical decision support for superior cluneal nerve entrapment and the conditions it is mistaken for.\nIt supports clinical judgement; it does not diagnose."
)]
struct Cli {
    /// Use the knowledge base in this folder instead of the embedded one.
    #[arg(long, global = true, env = "CLUNEAL_KNOWLEDGE", value_name = "DIR")]
    knowledge: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AssessFormat {
    Text,
    Json,
    /// A PDF (see `--audience`), written to `--output` or to a redirected standard output.
    Pdf,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PdfAudience {
    /// The patient's visit summary (at most two pages).
    Patient,
    /// The clinician report: evidence, criteria, block chart, plan, references.
    Clinician,
    /// The exercise handout, one exercise per block with its picture and dose.
    Exercises,
}

#[derive(Subcommand)]
enum Command {
    /// Assess a case (a JSON file, or - for standard input) and print the report.
    Assess {
        case: PathBuf,
        #[arg(long, value_enum, default_value_t = AssessFormat::Text)]
        format: AssessFormat,
        /// The file is a clinical vignette (`vignettes/*.json`): assess its `case`.
        #[arg(long)]
        vignette: bool,
        /// With `--format pdf`: who the document is for.
        #[arg(long, value_enum, default_value_t = PdfAudience::Patient)]
        audience: PdfAudience,
        /// Write the output to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The adaptive interview: one question at a time, then the report.
    Interview {
        /// Answer from this case file instead of the terminal ("unknown" where it is silent).
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        /// The answers file is a clinical vignette: answer from its `case`.
        #[arg(long, requires = "answers")]
        vignette: bool,
        /// Save the case built by the interview as JSON.
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Ask a clinician (examination and test items included) instead of a patient.
        #[arg(long)]
        clinician: bool,
        /// Care setting whose priors apply (`cluneal kb list settings`; spine_clinic is any specialist clinic).
        #[arg(long)]
        setting: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check, list and show the knowledge base.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Patient education from the knowledge base; without a topic, the list of topics.
    Learn { topic: Option<String> },
    /// Validate on a folder of clinical vignettes: accuracy, triage safety, calibration, interview efficiency.
    Eval {
        /// The vignette folder (`vignettes/`).
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = EvalFormat::Text)]
        format: EvalFormat,
    },
    /// Start the web app and the REST API (SQLite in the data folder, or PostgreSQL).
    Serve {
        /// Address to listen on; anything but loopback needs a token (`cluneal token create`).
        #[arg(long, env = "CLUNEAL_HOST", default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Port (0 picks a free one and prints it).
        #[arg(long, env = "CLUNEAL_PORT", default_value_t = 8080)]
        port: u16,
        #[command(flatten)]
        storage: server::StorageArgs,
        /// Serve the web app from this folder instead of the embedded copy (development).
        #[arg(long, value_name = "DIR")]
        web_dir: Option<PathBuf>,
        /// Also answer requests for this host name (repeatable); by default only
        /// `localhost` and loopback addresses, against DNS rebinding.
        #[arg(
            long = "allowed-host",
            env = "CLUNEAL_ALLOWED_HOSTS",
            value_delimiter = ',',
            value_name = "NAME"
        )]
        allowed_hosts: Vec<String>,
        /// CDS Hooks: the issuers allowed to call, with their keys (JSON:
        /// `{"issuers": [{"iss": "...", "jwks": {"keys": [...]}}]}`).
        #[arg(long, env = "CLUNEAL_CDS_ISSUERS", value_name = "FILE")]
        cds_issuers: Option<PathBuf>,
        /// CDS Hooks: the public base URL EHRs call (JWT `aud` is it plus the path;
        /// card links open the web app there). Default: `http://` and the request's Host.
        #[arg(long, env = "CLUNEAL_CDS_PUBLIC_URL", value_name = "URL")]
        cds_public_url: Option<String>,
        /// CDS Hooks: accept calls without a JWT. Loopback only, for local trials.
        #[arg(long)]
        cds_insecure_loopback: bool,
        /// How the request log on stderr is written: lines of text, or one JSON
        /// object per line. Which events are logged follows `CLUNEAL_LOG`
        /// (tracing's filter syntax, default `info`: one line per request with
        /// its id, method, path, status and latency; never a body or a query).
        #[arg(long, env = "CLUNEAL_LOG_FORMAT", value_enum, default_value_t = server::LogFormat::Text)]
        log_format: server::LogFormat,
    },
    /// Bearer tokens that protect saved cases (stored as SHA-256 digests only).
    Token {
        #[command(subcommand)]
        command: server::TokenCommand,
        #[command(flatten)]
        storage: server::StorageArgs,
    },
    /// Show the audit log of saved cases: who did what, when.
    Audit {
        /// How many entries, newest first.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[command(flatten)]
        storage: server::StorageArgs,
    },
    /// Print the JSON Schema of the case or of the report.
    Schema {
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// FHIR R4: the interview as a Questionnaire, the server's CapabilityStatement,
    /// the finding -> linkId / code table, and SDC `$next-question` on a file.
    Fhir {
        #[command(subcommand)]
        command: FhirCommand,
    },
}

#[derive(Subcommand)]
enum FhirCommand {
    /// Print the whole interview as an R4 Questionnaire (JSON), in the patient's wording.
    Questionnaire {
        /// The clinician's wording, examination and test items included.
        #[arg(long)]
        clinician: bool,
    },
    /// Print the CapabilityStatement served at `GET /fhir/metadata`.
    Metadata,
    /// Print the finding -> linkId / code table (Markdown).
    Codes,
    /// Print the record mappings: which EHR codes answer which finding in `$assess` (Markdown).
    RecordCodes,
    /// Run `$next-question` on a QuestionnaireResponse (or Parameters) file, `-` for standard input.
    NextQuestion { file: PathBuf },
    /// Run `$assess` on a patient's record: a Bundle, a QuestionnaireResponse or
    /// Parameters file (`-` for standard input), or, with `--patient`, a FHIR
    /// Bulk Data export folder of NDJSON files. Prints the assessment Bundle.
    Assess {
        /// The file, or with `--patient` the folder of `*.ndjson` files.
        file: PathBuf,
        /// Read FILE as a bulk export folder and assess this patient (the Patient's id).
        #[arg(long)]
        patient: Option<String>,
        /// The assessment date (YYYY-MM-DD); ages and durations count to it. Default: today (UTC).
        #[arg(long)]
        date: Option<String>,
        /// The care setting whose priors apply (see `cluneal kb list settings`).
        #[arg(long)]
        setting: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EvalFormat {
    Text,
    Json,
    /// The validation report (`docs/validation.md`).
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemaKind {
    Case,
    Report,
}

#[derive(Subcommand)]
enum KbCommand {
    /// Validate the whole knowledge base and report every problem.
    Check,
    /// List the ids of one kind (conditions, findings, red_flags, ...) or of every kind.
    List { kind: Option<String> },
    /// Show one unit of knowledge by id, as reviewed, and what refers to it.
    Show { id: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn print(text: &str) -> Result<()> {
    print_bytes(text.as_bytes())
}

fn print_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v).context("cannot serialize")?;
    s.push('\n');
    Ok(s)
}

fn file_kind(vignette: bool) -> input::FileKind {
    if vignette { input::FileKind::Vignette } else { input::FileKind::Case }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let dir = cli.knowledge.as_deref();
    match cli.command {
        Command::Assess { case, format, vignette, audience, output } => {
            let engine = Engine::new(knowledge::load(dir)?);
            let (name, text) = input::read_text(&case)?;
            let c = input::parse_case(&name, &text, file_kind(vignette))?;
            let report = engine.assess(&c).map_err(|e| input::case_error(&name, &e))?;
            let bytes = match format {
                AssessFormat::Json => json(&report)?.into_bytes(),
                AssessFormat::Text => {
                    render::report(&report, engine.kb(), engine.differential_model()).into_bytes()
                }
                AssessFormat::Pdf => {
                    let a = match audience {
                        PdfAudience::Patient => cluneal_pdf::Audience::Patient,
                        PdfAudience::Clinician => cluneal_pdf::Audience::Clinician,
                        PdfAudience::Exercises => cluneal_pdf::Audience::Exercises,
                    };
                    if output.is_none() && std::io::stdout().is_terminal() {
                        bail!(
                            "a PDF is not for a terminal: give `--output FILE` or redirect standard output"
                        );
                    }
                    let figures = cluneal_server::exercise_figures().map_err(anyhow::Error::msg)?;
                    cluneal_pdf::render(&report, engine.kb(), figures, a, &cluneal_pdf::Extras::default())?
                        .pdf
                }
            };
            match output {
                Some(path) => std::fs::write(&path, &bytes)
                    .with_context(|| format!("cannot write `{}`", path.display()))?,
                None => print_bytes(&bytes)?,
            }
        }
        Command::Interview { answers, vignette, save, clinician, setting, format } => {
            let engine = Engine::new(knowledge::load(dir)?);
            let respondent = if clinician { Respondent::Clinician } else { Respondent::Patient };
            let base = Case { respondent, setting, ..Case::default() };
            let mut out = std::io::stdout().lock();
            let outcome = match &answers {
                Some(path) => {
                    let script = input::read_case(path, file_kind(vignette))?;
                    interview::run(&engine, base, interview::Source::Script { answers: &script }, &mut out)?
                }
                None => {
                    let stdin = std::io::stdin();
                    let mut lock = stdin.lock();
                    writeln!(out, "{}\n", engine.kb().meta().messages.disclaimer)?;
                    interview::run(&engine, base, interview::Source::Terminal { input: &mut lock }, &mut out)?
                }
            };
            drop(out);
            let report = engine.assess(&outcome.case).map_err(|e| input::case_error("interview", &e))?;
            match format {
                Format::Json => print(&json(&report)?)?,
                Format::Text => print(&format!(
                    "\nInterview finished: {}\n\n{}",
                    outcome.reason,
                    render::report(&report, engine.kb(), engine.differential_model())
                ))?,
            }
            if let Some(path) = save {
                std::fs::write(&path, json(&outcome.case)?)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
                eprintln!("saved the case to `{}`", path.display());
            }
        }
        Command::Kb { command } => return kb(dir, command),
        Command::Serve {
            host,
            port,
            storage,
            web_dir,
            allowed_hosts,
            cds_issuers,
            cds_public_url,
            cds_insecure_loopback,
            log_format,
        } => {
            server::init_logging(log_format);
            let engine = Engine::new(knowledge::load(dir)?);
            let issuers = match cds_issuers {
                Some(path) => {
                    let (name, text) = input::read_text(&path)?;
                    cluneal_server::CdsConfig::parse_issuers(&text)
                        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?
                }
                None => Vec::new(),
            };
            if cds_insecure_loopback {
                eprintln!(
                    "WARNING: --cds-insecure-loopback: CDS Hooks calls without a JWT are accepted (loopback only); never use this with real patients"
                );
            }
            let config = cluneal_server::Config {
                web_dir,
                allowed_hosts,
                cds: cluneal_server::CdsConfig {
                    issuers,
                    insecure_loopback: cds_insecure_loopback,
                    public_url: cds_public_url,
                },
                ..cluneal_server::Config::new(std::net::SocketAddr::new(host, port))
            };
            server::serve(engine, config, &storage)?;
        }
        Command::Token { command, storage } => server::token(command, &storage)?,
        Command::Audit { limit, storage } => server::audit(limit, &storage)?,
        Command::Eval { dir: vdir, format } => {
            let engine = Engine::new(knowledge::load(dir)?);
            let vignettes = evaluate::load(&vdir)?;
            let errors = cluneal_eval::check(&engine, &vignettes);
            if !errors.is_empty() {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                bail!("{} vignette problem(s):\n  {}", errors.len(), lines.join("\n  "));
            }
            let e = evaluate::run(engine.kb(), &vignettes);
            match format {
                EvalFormat::Text => print(&cluneal_eval::text(&e))?,
                EvalFormat::Json => print(&json(&e)?)?,
                EvalFormat::Markdown => {
                    let anchors = evaluate::anchors(&vdir)?;
                    print(&cluneal_eval::markdown(&e, &anchors, &vignettes, evaluate::REPORT_COMMAND))?
                }
            }
        }
        Command::Learn { topic } => {
            let kb = knowledge::load(dir)?;
            match topic {
                None => print(&learn::topics(&kb))?,
                Some(t) => print(&learn::topic(&kb, &t)?)?,
            }
        }
        Command::Fhir { command } => {
            let engine = Engine::new(knowledge::load(dir)?);
            let kb = engine.kb();
            let out = match command {
                FhirCommand::Questionnaire { clinician } => {
                    let who = if clinician { Respondent::Clinician } else { Respondent::Patient };
                    json(&cluneal_fhir::questionnaire(kb, who))?
                }
                FhirCommand::Metadata => {
                    json(&cluneal_fhir::capability_statement(kb, env!("CARGO_PKG_VERSION")))?
                }
                FhirCommand::Codes => cluneal_fhir::link_table_markdown(kb),
                FhirCommand::RecordCodes => cluneal_fhir::record_table_markdown(kb),
                FhirCommand::NextQuestion { file } => {
                    let (name, text) = input::read_text(&file)?;
                    let value: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| anyhow::anyhow!("{name}:{}:{}: {e}", e.line(), e.column()))?;
                    let qr = cluneal_fhir::next_question(&engine, &value)
                        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
                    json(&qr)?
                }
                FhirCommand::Assess { file, patient, date, setting } => {
                    let today = match date {
                        Some(d) => cluneal_fhir::parse_date(&d)
                            .filter(|_| d.len() == 10)
                            .ok_or_else(|| anyhow::anyhow!("--date `{d}` is not a date like 2026-11-30"))?,
                        None => cluneal_server::today_utc(),
                    };
                    let (name, value) = match patient {
                        Some(id) => (file.display().to_string(), input::bulk_patient(&file, &id)?),
                        None => {
                            let (name, text) = input::read_text(&file)?;
                            let value: serde_json::Value = serde_json::from_str(&text)
                                .map_err(|e| anyhow::anyhow!("{name}:{}:{}: {e}", e.line(), e.column()))?;
                            (name, value)
                        }
                    };
                    let options = cluneal_fhir::AssessOptions { today, setting };
                    let out = cluneal_fhir::assess(&engine, &value, &options)
                        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
                    json(&out)?
                }
            };
            print(&out)?;
        }
        Command::Schema { which } => {
            let schema = match which {
                // The knowledge base closes some of the case's strings (settings,
                // finding ids, block protocols, treatments) as enums.
                SchemaKind::Case => cluneal_server::case_schema(&knowledge::load(dir)?),
                // A report is only ever written, so its schema follows serialization:
                // fields that are left out when empty are optional.
                SchemaKind::Report => schemars::generate::SchemaSettings::draft2020_12()
                    .for_serialize()
                    .into_generator()
                    .into_root_schema_for::<cluneal_engine::Report<'static>>()
                    .to_value(),
            };
            print(&json(&schema)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn kb(dir: Option<&std::path::Path>, command: KbCommand) -> Result<ExitCode> {
    match command {
        KbCommand::Check => {
            let kb = knowledge::load(dir)?;
            let origin =
                dir.map_or_else(|| "embedded knowledge base".to_string(), |d| format!("`{}`", d.display()));
            print(&format!(
                "ok: {origin} version {} is valid: {} conditions, {} findings, {} red flags, {} diagnostics, {} treatments, {} exercises, {} references; {} seed items covered\n",
                kb.meta().version,
                kb.conditions().len(),
                kb.findings().len(),
                kb.red_flags().len(),
                kb.diagnostics().len(),
                kb.treatments().len(),
                kb.exercises().len(),
                kb.references().len(),
                kb.seed_coverage().item.len()
            ))?;
        }
        KbCommand::List { kind } => {
            let kb = knowledge::load(dir)?;
            // The care settings are ids a case names too, though kb.toml holds them.
            let mut ids = kb.all_ids();
            ids.extend(kb.meta().settings.iter().map(|s| ("settings", s.as_str())));
            if let Some(k) = &kind
                && !ids.iter().any(|(x, _)| x == k)
            {
                let kinds: std::collections::BTreeSet<&str> = ids.iter().map(|(x, _)| *x).collect();
                bail!("unknown kind `{k}`; kinds: {}", kinds.into_iter().collect::<Vec<_>>().join(", "));
            }
            let mut out = String::new();
            for (k, id) in ids {
                if kind.as_deref().is_none_or(|x| x == k) {
                    out.push_str(&format!("{k}/{id}\n"));
                }
            }
            print(&out)?;
        }
        KbCommand::Show { id } => {
            let files = knowledge::files(dir)?;
            let kb =
                cluneal_kb::KnowledgeBase::load(&files).map_err(|e| knowledge::problems_error(&e, dir))?;
            let ids = kb.all_ids();
            let matches: Vec<&(&str, &str)> = ids.iter().filter(|(_, x)| *x == id).collect();
            if matches.is_empty() {
                let hint = cluneal_kb::KnowledgeBase::did_you_mean(&id, ids.iter().map(|(_, x)| *x));
                bail!("no knowledge unit has the id `{id}`{hint}");
            }
            let mut out = String::new();
            for (kind, x) in matches {
                let path = format!("{kind}/{x}.toml");
                if let Some(f) = files.iter().find(|f| f.path == path) {
                    out.push_str(&format!("# {path}\n{}\n", f.text.trim_end()));
                }
            }
            let quoted = format!("\"{id}\"");
            let users: Vec<&str> =
                files.iter().filter(|f| f.text.contains(&quoted)).map(|f| f.path.as_str()).collect();
            if !users.is_empty() {
                out.push_str(&format!("\n# referred to by\n{}\n", users.join("\n")));
            }
            print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
