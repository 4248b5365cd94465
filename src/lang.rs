//! The messages a person reads, in English or Korean: the catalogue of the terminal's words for
//! `convert` and `check` (statuses, failure reasons, skip reasons and warnings, problems and
//! their fixes, summaries) and the choice of language from the environment.
//!
//! Guarantees:
//! - Every text is chosen from a typed key, never from English message text: a record's
//!   [`Status`], its [`ErrorKind`] and [`Notice`]s, a problem's [`Code`], [`Severity`] and
//!   [`Fix`], a run's counts.
//! - Every key has both languages, by exhaustive matches without a wildcard arm: a new status,
//!   error kind, notice, problem code or fix does not compile until it is translated. There are
//!   no fallback strings: the only English inside a Korean message is the detail a key carries
//!   as text (a decoder's own words after the Korean sentence of its [`ErrorKind`], an
//!   operating system's reason, a [`Notice::Other`], the message of a check problem without
//!   typed specifics after the Korean sentence of its [`Code`]), in parentheses.
//! - Specifics (counts, durations, decibels, paths, names) are formatted into the Korean
//!   sentence as into the English one.
//! - English output is exactly what promptwav printed before it had a catalogue.
//! - Machine output (`--json`, JUnit XML, the `error` and `warnings` fields) is never
//!   translated: it is not made here.

use std::fmt::Write as _;
use std::path::Path;

use crate::batch::{ExistingOutput, FolderError, Record, Status, Summary};
use crate::check::report::{self, shown};
use crate::check::{Report, Summary as CheckSummary};
use crate::error::ErrorKind;
use crate::notice::{Notice, Side};
use crate::problem::{Code, Detail, Fix, Problem, Severity};

/// A language of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Korean (한국어).
    Ko,
}

impl Lang {
    /// Every language.
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::Ko];

    /// The language's code: `en`, `ko`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The language of a locale value (`ko_KR.UTF-8`, `ko`): Korean when it starts with `ko`,
    /// English otherwise (`C`, `POSIX`, `en_US.UTF-8`, any other language).
    pub fn from_locale(value: &str) -> Lang {
        if value.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("ko")) {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    /// The language of the environment's values as POSIX orders them: the first set and
    /// non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG` decides; none: English.
    pub fn from_env_values(
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Lang {
        [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .find(|v| !v.is_empty())
            .map_or(Lang::En, Lang::from_locale)
    }

    /// The language of this process's environment (`LC_ALL`, `LC_MESSAGES`, `LANG`).
    pub fn from_env() -> Lang {
        let get = |key: &str| std::env::var_os(key).map(|v| v.to_string_lossy().into_owned());
        Lang::from_env_values(
            get("LC_ALL").as_deref(),
            get("LC_MESSAGES").as_deref(),
            get("LANG").as_deref(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Keys and their texts.

/// The word of a status, as it starts a line (`converted`, `변환`).
pub fn status_word(lang: Lang, status: Status) -> &'static str {
    match (lang, status) {
        (Lang::En, Status::Converted) => "converted",
        (Lang::En, Status::Failed) => "failed",
        (Lang::En, Status::Skipped) => "skipped",
        (Lang::En, Status::Planned) => "would convert",
        (Lang::Ko, Status::Converted) => "변환",
        (Lang::Ko, Status::Failed) => "실패",
        (Lang::Ko, Status::Skipped) => "건너뜀",
        (Lang::Ko, Status::Planned) => "변환 예정",
    }
}

/// What a kind of failure means, in a sentence.
pub fn error_kind(lang: Lang, kind: ErrorKind) -> &'static str {
    match lang {
        Lang::En => match kind {
            ErrorKind::NotFound => "file not found",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::NotAudio => "not an audio file",
            ErrorKind::UnsupportedCodec => "audio in a form promptwav does not read",
            ErrorKind::Damaged => "damaged or incomplete audio file",
            ErrorKind::TooLong => "beyond the platform's limits (duration, file size)",
            ErrorKind::OutputExists => "the output exists already",
            ErrorKind::IsAnInput => "the output would replace an input of this run",
            ErrorKind::LinkInOutput => "a link inside the output folder is in the way",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::DiskFull => "disk full",
            ErrorKind::InvalidOptions => "invalid options",
            ErrorKind::Io => "cannot read or write the file",
            ErrorKind::Internal => "internal error in promptwav; please report this file",
        },
        Lang::Ko => match kind {
            ErrorKind::NotFound => "파일을 찾을 수 없습니다",
            ErrorKind::PermissionDenied => "권한이 없어 읽거나 쓸 수 없습니다",
            ErrorKind::NotAudio => "오디오 파일이 아닙니다",
            ErrorKind::UnsupportedCodec => "promptwav가 읽지 못하는 오디오 형식입니다",
            ErrorKind::Damaged => "손상되었거나 중간에 잘린 오디오 파일입니다",
            ErrorKind::TooLong => "플랫폼의 제한(길이, 파일 크기)을 넘습니다",
            ErrorKind::OutputExists => "출력 파일이 이미 있습니다",
            ErrorKind::IsAnInput => "출력이 이번 입력 파일을 덮어쓰게 되어 쓰지 않았습니다",
            ErrorKind::LinkInOutput => "출력 폴더 안의 링크로는 쓰지 않습니다",
            ErrorKind::Interrupted => "중단되었습니다",
            ErrorKind::DiskFull => "디스크가 가득 찼습니다",
            ErrorKind::InvalidOptions => "옵션 값이 올바르지 않습니다",
            ErrorKind::Io => "파일을 읽거나 쓰지 못했습니다",
            ErrorKind::Internal => "promptwav 내부 오류입니다. 이 파일을 알려 주세요",
        },
    }
}

fn side_ko(side: Side) -> &'static str {
    match side {
        Side::Left => "왼쪽",
        Side::Right => "오른쪽",
    }
}

/// A skip reason or a warning.
pub fn notice(lang: Lang, notice: &Notice) -> String {
    let Lang::Ko = lang else { return notice.english() };
    match notice {
        Notice::HiddenFile => "숨김 파일입니다".into(),
        Notice::NotAudioByExtension => "오디오 파일이 아닙니다 (확장자로 판단)".into(),
        Notice::FolderLoop => "상위 폴더로 돌아가는 링크입니다 (폴더 고리)".into(),
        Notice::LinkToFolder => "폴더로 가는 링크입니다 (따라가지 않음)".into(),
        Notice::LinkToSpecialFile => "일반 파일이 아닙니다".into(),
        Notice::BrokenLink => "끊어진 링크입니다".into(),
        Notice::SpecialFile => "일반 파일이 아닙니다 (장치, 파이프, 소켓)".into(),
        Notice::UpToDate => "이미 최신입니다 (이 파일을 같은 설정으로 변환한 결과가 있음)".into(),
        Notice::NotOurs => "출력 파일이 이미 있고, promptwav가 이 파일로 만든 것이 아닙니다 \
                            (덮어쓰려면 --force)"
            .into(),
        Notice::SameFileAsEarlier => "앞에 입력한 파일과 같은 파일입니다".into(),
        Notice::Interrupted => "중단되어 변환하지 않았습니다".into(),
        Notice::DiskFull => "디스크가 가득 차서 변환하지 않았습니다".into(),
        Notice::WouldReplace => "기존 출력 파일을 바꿉니다".into(),
        Notice::InputChanged => {
            "변환하는 동안 입력 파일이 바뀌었습니다: 다음 실행 때 다시 변환합니다".into()
        }
        Notice::NotInManifest { why } => format!(
            "출력 폴더의 기록(manifest)에 남기지 못했습니다 ({why}): 다시 실행하면 또 \
             변환하거나, --force 없이는 그대로 둡니다"
        ),
        Notice::SourceClipped { samples, runs, run_len } => format!(
            "원본에서 샘플 {samples}개가 최대 음량에서 잘렸습니다 (최대 음량이 {run_len}개 \
             이상 이어진 구간 {runs}곳): 변환해도 잘린 소리는 돌아오지 않습니다"
        ),
        Notice::OutputClipped { samples } => format!(
            "16비트로 바꿀 때 출력 샘플 {samples}개가 잘렸습니다 (원본은 잘리지 않음): \
             음량을 낮추세요 (예: --loudness -16)"
        ),
        Notice::NamedAs { ext, format } => {
            format!("이름은 .{ext}이지만 실제로는 {format} 파일입니다")
        }
        Notice::DamagedPackets { bad, total } => {
            format!("손상된 패킷 {bad}개를 건너뛰었습니다 (전체 {total}개)")
        }
        Notice::SilentChannel { live, below_db } => {
            let below = match below_db {
                Some(db) => format!("{}보다 {db:.0} dB 낮음", side_ko(*live)),
                None => "디지털 무음".to_string(),
            };
            format!(
                "스테레오의 {} 채널이 무음입니다 ({below}): {} 채널을 그대로 썼습니다 \
                 (평균을 내면 6 dB 작아집니다)",
                side_ko(live.other()),
                side_ko(*live)
            )
        }
        Notice::OppositePhase { live, correlation } => format!(
            "스테레오 두 채널의 위상이 반대입니다 (상관 {correlation:.2}): {} 채널만 썼습니다 \
             (평균을 내면 소리가 사라집니다)",
            side_ko(*live)
        ),
        Notice::DcRemoved { offset, cutoff_hz } => {
            format!("DC 오프셋({offset})을 없앴습니다 ({cutoff_hz} Hz 아래를 거르는 필터)")
        }
        Notice::NothingTrimmed => "자르기 기준보다 큰 소리가 없어 무음을 자르지 않았습니다".into(),
        Notice::FadeShortened { asked_ms, given_ms, length } => format!(
            "페이드 {asked_ms} ms를 {given_ms} ms로 줄였습니다: 페이드는 안내 음성 길이({length})의 \
             4분의 1까지입니다"
        ),
        Notice::SilentLoudness => "무음이라 음량을 그대로 두었습니다".into(),
        Notice::ShortForGating { block_s } => {
            format!("{block_s}초보다 짧아 R128 게이팅 없이 파일 전체로 음량을 쟀습니다")
        }
        Notice::LoudnessMissed { reached, asked, ceiling } => {
            let why = match ceiling {
                Some(c) => format!(" (트루 피크 상한 {c} dBTP 때문에 더 올릴 수 없음)"),
                None => String::new(),
            };
            format!("요청한 {asked} LUFS가 아니라 {reached:.1} LUFS가 되었습니다{why}")
        }
        Notice::Other(text) => text.clone(),
    }
}

/// A severity's word.
pub fn severity(lang: Lang, severity: Severity) -> &'static str {
    match (lang, severity) {
        (Lang::En, s) => s.as_str(),
        (Lang::Ko, Severity::Info) => "참고",
        (Lang::Ko, Severity::Warning) => "경고",
        (Lang::Ko, Severity::Error) => "오류",
    }
}

/// What a problem code means, and its usual fix by hand: `(what, fix)`.
pub fn code(lang: Lang, code: Code) -> (&'static str, &'static str) {
    let Lang::Ko = lang else { return (code.what(), code.fix()) };
    let rewrite = "`promptwav convert 파일 -o 폴더`로 다시 쓰세요";
    let convert = "`promptwav convert 파일 -o 폴더`로 변환하세요";
    let export = "원본에서 파일을 다시 내보내세요";
    let rename = "`promptwav name 파일`이 알려 주는 이름으로 바꾸세요";
    match code {
        Code::Unreadable => ("파일을 열거나 읽을 수 없습니다", "경로나 권한을 확인하세요"),
        Code::NotWav => {
            ("WAV 파일이 아닙니다", "다른 도구로 WAV나 MP3로 바꾸거나, 원래 녹음 파일을 쓰세요")
        }
        Code::RiffSizeMismatch => ("RIFF 헤더의 크기가 파일 길이와 다릅니다", rewrite),
        Code::TruncatedData => (
            "data 청크가 파일에 든 것보다 길다고 합니다: 파일이 잘렸습니다",
            "파일을 다시 내보내거나 다시 복사하세요 (파일이 잘렸습니다)",
        ),
        Code::TruncatedChunk => {
            ("data 밖의 청크가 파일 끝을 넘습니다", "파일을 다시 내보내거나 다시 복사하세요")
        }
        Code::MissingPadByte => {
            ("홀수 크기 청크에 RIFF가 요구하는 채움 바이트가 없습니다", rewrite)
        }
        Code::DataSizeZero => ("data 청크에 오디오가 없습니다", export),
        Code::DataSizeUnset => ("RIFF 또는 data 크기가 비어 있습니다 (파이프로 쓴 파일)", rewrite),
        Code::DataPartialFrame => {
            ("data 청크 크기가 프레임 단위로 맞지 않습니다: 마지막 프레임이 잘렸습니다", rewrite)
        }
        Code::FmtMissing => ("fmt 청크가 없어 형식을 알 수 없습니다", export),
        Code::FmtDuplicate => ("fmt 청크가 두 개입니다", export),
        Code::DataMissing => ("data 청크가 없어 오디오가 없습니다", export),
        Code::ChunkOrder => ("data 청크가 fmt 청크보다 앞에 있습니다", rewrite),
        Code::BadChunk => ("청크가 시작해야 할 곳에 알 수 없는 바이트가 있습니다", rewrite),
        Code::FmtInconsistent => ("fmt 청크의 값이 서로 맞지 않습니다", rewrite),
        Code::FmtSize => ("fmt 청크 크기가 코덱에 맞지 않습니다 (G.711은 18바이트)", rewrite),
        Code::FactChunk => ("G.711 WAV에 fact 청크가 없거나 샘플 수가 data와 다릅니다", rewrite),
        Code::ExtensibleFormat => {
            ("WAVE_FORMAT_EXTENSIBLE 형식입니다: 일반 형식 태그여야 합니다", rewrite)
        }
        Code::ExtraChunk => {
            ("fmt와 data 말고 다른 청크가 있습니다: 엄격한 프로그램은 거부할 수 있습니다", rewrite)
        }
        Code::Codec => ("코덱이 플랫폼 조건과 다릅니다", convert),
        Code::BitDepth => ("비트 수가 플랫폼 조건과 다릅니다", convert),
        Code::Channels => ("채널 수가 플랫폼 조건과 다릅니다", convert),
        Code::SampleRate => ("샘플레이트(주파수)가 플랫폼 조건과 다릅니다", convert),
        Code::Undecodable => (
            "promptwav가 이 오디오를 끝까지 디코딩하지 못합니다",
            "원본에서 PCM WAV로 다시 내보내거나 다른 도구로 변환하세요 (promptwav도 읽지 \
             못합니다)",
        ),
        Code::NameNonAscii => ("파일 이름에 영문이 아닌 글자(한글 등)가 있습니다", rename),
        Code::NameUnsafeChars => {
            ("파일 이름에 쓸 수 없는 문자(공백 등)가 있거나 '.' 또는 '-'로 시작합니다", rename)
        }
        Code::NameReserved => ("파일 이름이 Windows 장치 이름입니다 (CON, NUL 등)", rename),
        Code::NameExtension => {
            ("파일 이름이 플랫폼의 확장자(.wav, 소문자)로 끝나지 않습니다", rename)
        }
        Code::NameTooLong => ("파일 이름이 너무 깁니다", rename),
        Code::Silent => {
            ("소리가 없습니다 (무음)", "원본을 확인하세요: 녹음이 비어 있거나 음소거되었습니다")
        }
        Code::Clipping => (
            "소리가 너무 커서 잘렸습니다 (클리핑)",
            "더 작은 음량으로 다시 녹음하거나 내보내세요. 변환해도 잘린 소리는 돌아오지 \
             않습니다",
        ),
        Code::StereoDownmix => (
            "스테레오의 한쪽 채널만 소리가 있거나 두 채널의 위상이 반대입니다",
            "`promptwav convert 파일 -o 폴더`는 소리가 있는 채널을 그대로 씁니다 (기본값, \
             --plain-downmix 없이)",
        ),
        Code::DcOffset => (
            "DC 오프셋이 있습니다 (채널의 평균이 0에서 벗어남)",
            "오디오 편집기에서 고역 통과 필터로 없애세요",
        ),
        Code::LeadingSilence => {
            ("첫 소리 앞에 무음이 깁니다", "오디오 편집기에서 앞부분 무음을 자르세요")
        }
        Code::TrailingSilence => {
            ("마지막 소리 뒤에 무음이 깁니다", "오디오 편집기에서 뒷부분 무음을 자르세요")
        }
        Code::Duration => {
            ("길이가 플랫폼의 제한을 벗어납니다", "안내 음성의 길이를 제한에 맞추세요")
        }
        Code::FileSize => {
            ("파일이 플랫폼이 허용하는 크기보다 큽니다", "안내 음성을 더 짧게 만드세요")
        }
        Code::ManifestMissing => (
            "매니페스트가 요구하는 안내 음성 파일이 입력에 없습니다",
            "매니페스트에 적힌 이름으로 파일을 추가하거나, 그 항목을 required = false로 \
             표시하세요",
        ),
        Code::ManifestUnexpected => {
            ("매니페스트에 없는 파일입니다", "매니페스트에 추가하거나 파일을 지우세요")
        }
        Code::ManifestDuration => (
            "길이가 매니페스트 항목이 허용하는 범위를 벗어납니다",
            "녹음 길이를 맞추거나 매니페스트의 max-duration / min-duration을 바꾸세요",
        ),
        Code::ManifestLoudness => (
            "음량(LUFS)이 매니페스트 항목의 범위를 벗어납니다",
            "읽을 수 있는 사본을 먼저 만든 다음 --loudness로 변환하세요",
        ),
    }
}

/// A problem's fix, in one line.
pub fn fix(lang: Lang, p: &Problem) -> String {
    let Lang::Ko = lang else { return p.fix.clone() };
    match &p.fix_key {
        Fix::Usual => code(lang, p.code).1.to_string(),
        Fix::Run(command) => format!("실행하세요: {command}"),
        Fix::RunSmartDownmix(command) => format!(
            "실행하세요: {command} (기본 다운믹스가 소리가 있는 채널을 그대로 씁니다. \
             --plain-downmix는 쓰지 마세요)"
        ),
        Fix::Rename(name) => {
            format!("이름을 바꾸세요: {name} (`promptwav convert`가 붙이는 이름)")
        }
        Fix::ExportAgain => {
            "원본에서 파일을 다시 내보내세요 (promptwav는 지금 상태로는 변환할 수 없습니다)".into()
        }
        Fix::Report => "promptwav의 오류입니다: 이 파일을 알려 주세요".into(),
    }
}

/// A channel count in Korean, with the ending "must be" takes after it (모노여야, 2채널이어야).
fn channels_ko(n: u16) -> (String, &'static str) {
    match n {
        1 => ("모노".into(), "여야"),
        2 => ("스테레오".into(), "여야"),
        n => (format!("{n}채널"), "이어야"),
    }
}

/// What is wrong with the file: in English the finder's own sentence. In Korean, a sentence
/// of its own from the problem's typed specifics ([`Detail`]) when it has them, else the
/// code's sentence with the English one (its specifics) in parentheses.
pub fn problem_message(lang: Lang, p: &Problem) -> String {
    let Lang::Ko = lang else { return p.message.clone() };
    let Some(detail) = &p.detail else {
        return format!("{} ({})", code(lang, p.code).0, p.message);
    };
    match detail {
        Detail::SampleRate { found, needs } => {
            format!("샘플레이트가 {found} Hz입니다. {needs} Hz여야 합니다")
        }
        Detail::Channels { found, needs } => {
            let (found, _) = channels_ko(*found);
            let (needs, ending) = channels_ko(*needs);
            format!("{found}입니다. {needs}{ending} 합니다")
        }
        Detail::BitDepth { found, needs } => {
            format!("{found}비트 샘플입니다. {needs}비트여야 합니다")
        }
        Detail::LeadingSilence { seconds, limit } => {
            format!("첫 소리 앞에 무음이 {seconds:.2}초 있습니다 (최대 {limit}초)")
        }
        Detail::TrailingSilence { seconds, limit } => {
            format!("마지막 소리 뒤에 무음이 {seconds:.2}초 있습니다 (최대 {limit}초)")
        }
        Detail::Clipping { runs, run_len, samples, first_s } => format!(
            "소리가 잘렸습니다: 최대 음량 샘플이 {run_len}개 이상 이어진 구간 {runs}곳 (샘플 \
             {samples}개), 처음은 {first_s:.2}초"
        ),
        Detail::Silent { threshold_dbfs, seconds } => {
            format!("{seconds:.2}초 동안 {threshold_dbfs} dBFS를 넘는 소리가 없습니다 (무음)")
        }
        Detail::NotWavAudio { format, codec, rate, channels } => {
            let (channels, _) = channels_ko(*channels);
            format!(
                "WAV가 아니라 {} 파일입니다 ({codec}, {rate} Hz, {channels})",
                format_name(format)
            )
        }
        Detail::NameNonAscii { name } => {
            format!("파일 이름 {name:?}에 영문이 아닌 글자(한글 등)가 있습니다")
        }
        Detail::NameUnsafeChars { chars } => format!(
            "파일 이름에 쓸 수 없는 문자가 있습니다: {chars} (영문, 숫자, . _ - 만 쓸 수 \
             있습니다)"
        ),
        Detail::NameStartsWith { first } => {
            format!("파일 이름이 {first:?}로 시작합니다 (숨김 파일이나 명령 옵션으로 읽힙니다)")
        }
        Detail::NameReserved { base } => {
            format!("Windows 장치 이름({base})이라 Windows에서는 이 이름의 파일을 만들 수 없습니다")
        }
        Detail::NameExtension { found: Some(found), needs } => {
            format!("확장자가 .{found}입니다. 정확히 .{needs}(소문자)여야 합니다")
        }
        Detail::NameExtension { found: None, needs } => {
            format!("확장자가 없습니다. .{needs}여야 합니다")
        }
        Detail::NameTooLong { bytes, max } => {
            format!("파일 이름이 {bytes}바이트입니다. 최대 {max}바이트까지 됩니다")
        }
    }
}

/// A container's name for people (`mp4` -> `MP4/M4A`), from the format's identifier.
fn format_name(format: &str) -> String {
    match format {
        "mp4" => "MP4/M4A".into(),
        "aac" => "AAC (ADTS)".into(),
        "ogg" => "Ogg".into(),
        "webm" => "WebM".into(),
        "mkv" => "Matroska (MKV)".into(),
        other => other.to_uppercase(),
    }
}

// ---------------------------------------------------------------------------------------------
// convert's lines.

/// An input path as printed: control characters escaped, and the normalization form marked
/// when it is not NFC (`안내.wav (NFD)`), so NFC and NFD copies of one name can be told apart.
pub fn shown_input(r: &Record) -> String {
    match r.input_form {
        Some(form) => format!("{} ({form})", shown(&r.input)),
        None => shown(&r.input),
    }
}

/// Why a record failed or was skipped (empty when it did neither).
pub fn reason(lang: Lang, r: &Record) -> String {
    let detail = r.error.as_deref().unwrap_or("");
    match lang {
        Lang::En if r.status == Status::Failed && r.error.is_none() => "unknown error".into(),
        Lang::En => detail.to_string(),
        Lang::Ko => {
            if let Some(n) = &r.notice {
                return notice(lang, n);
            }
            match r.error_kind {
                Some(kind) if detail.is_empty() => error_kind(lang, kind).to_string(),
                Some(kind) => format!("{} ({detail})", error_kind(lang, kind)),
                None if r.status == Status::Failed && detail.is_empty() => {
                    "알 수 없는 오류입니다".into()
                }
                None => detail.to_string(),
            }
        }
    }
}

/// A record's warnings, each a sentence. In Korean, from their notices (when the record holds
/// one per warning, as the library makes them).
pub fn warnings(lang: Lang, r: &Record) -> Vec<String> {
    match lang {
        Lang::Ko if r.warning_notices.len() == r.warnings.len() => {
            r.warning_notices.iter().map(|n| notice(lang, n)).collect()
        }
        _ => r.warnings.clone(),
    }
}

/// The line of one record: `converted IN -> OUT`, `failed    IN: why`, `skipped   IN: why`,
/// `would convert IN -> OUT` (`변환`, `실패`, `건너뜀`, `변환 예정` in Korean).
pub fn record_line(lang: Lang, r: &Record) -> String {
    let input = shown_input(r);
    let word = status_word(lang, r.status);
    // The status word and a space, padded to one width so that the names line up (a Hangul
    // syllable is two columns wide).
    let pad = |w: &str| match lang {
        Lang::En => format!("{w:<9} "),
        Lang::Ko => {
            let width: usize = w.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            format!("{w}{}", " ".repeat(8usize.saturating_sub(width).max(1)))
        }
    };
    let output = || shown(r.output.as_deref().unwrap_or(""));
    match r.status {
        Status::Converted => {
            let mut line = format!("{}{input} -> {}", pad(word), output());
            let mut notes = Vec::new();
            if let (Some(before), Some(after)) = (r.loudness_lufs, r.output_loudness_lufs) {
                let peak =
                    r.output_true_peak_dbtp.map(|p| format!(", {p:.1} dBTP")).unwrap_or_default();
                notes.push(format!("{before:.1} -> {after:.1} LUFS{peak}"));
            }
            if let Some(cut) = r.limiter_db.filter(|d| *d < -0.05) {
                notes.push(match lang {
                    Lang::En => format!("limiter {cut:.1} dB"),
                    Lang::Ko => format!("리미터 {cut:.1} dB"),
                });
            }
            let start = r.trimmed_start_s.unwrap_or(0.0);
            let end = r.trimmed_end_s.unwrap_or(0.0);
            if start + end >= 0.05 {
                notes.push(match lang {
                    Lang::En => format!("trimmed {start:.1} s + {end:.1} s of silence"),
                    Lang::Ko => format!("무음 {start:.1} s + {end:.1} s 자름"),
                });
            }
            if !notes.is_empty() {
                let _ = write!(line, " [{}]", notes.join("; "));
            }
            let warnings = warnings(lang, r);
            if !warnings.is_empty() {
                let label = match lang {
                    Lang::En => "warning",
                    Lang::Ko => "경고",
                };
                let _ = write!(line, " ({label}: {})", shown(&warnings.join("; ")));
            }
            line
        }
        Status::Planned => format!("{}{input} -> {}", pad(word), output()),
        // An existing output left alone: which file it is, then why.
        Status::Skipped if r.existing_output.is_some() && r.output_path.is_some() => {
            let path = r.output_path.as_deref().unwrap_or(Path::new(""));
            let existing = shown(&path.to_string_lossy());
            format!("{}{input} -> {existing}: {}", pad(word), shown(&reason(lang, r)))
        }
        Status::Failed | Status::Skipped => {
            format!("{}{input}: {}", pad(word), shown(&reason(lang, r)))
        }
    }
}

/// The first word of a dry run's line: `would convert`, `would convert again` (an output of
/// ours whose input or settings changed), `would replace` (with `--force`), `would skip`,
/// `would fail`.
pub fn dry_run_word(lang: Lang, r: &Record) -> &'static str {
    match (lang, r.status, r.existing_output) {
        (Lang::En, Status::Planned, None) => "would convert",
        (Lang::En, Status::Planned, Some(ExistingOutput::Outdated)) => "would convert again",
        (Lang::En, Status::Planned, Some(_)) => "would replace",
        (Lang::En, Status::Skipped, _) => "would skip ",
        (Lang::En, Status::Failed, _) => "would fail ",
        (Lang::Ko, Status::Planned, None) => "변환 예정",
        (Lang::Ko, Status::Planned, Some(ExistingOutput::Outdated)) => "다시 변환 예정",
        (Lang::Ko, Status::Planned, Some(_)) => "덮어쓰기 예정",
        (Lang::Ko, Status::Skipped, _) => "건너뜀 예정",
        (Lang::Ko, Status::Failed, _) => "실패 예정",
        // A dry run converts nothing.
        (_, Status::Converted, _) => status_word(lang, Status::Converted),
    }
}

/// A dry run's line for a record: what the run would do with it, and why when it would not
/// simply convert (see [`dry_run_word`]).
pub fn dry_run_line(lang: Lang, r: &Record) -> String {
    let input = shown_input(r);
    let word = dry_run_word(lang, r);
    let output = || shown(&r.output_path.as_deref().unwrap_or(Path::new("")).to_string_lossy());
    let why = |en: &str, ko: &str| match lang {
        Lang::En => en.to_string(),
        Lang::Ko => ko.to_string(),
    };
    match (r.status, r.existing_output) {
        (Status::Planned, None) | (Status::Converted, _) => {
            format!("{word} {input} -> {}", output())
        }
        (Status::Planned, Some(ExistingOutput::Outdated)) => {
            let why = why("the input or the settings changed", "입력 파일이나 설정이 바뀜");
            format!("{word} {input} -> {} ({why})", output())
        }
        (Status::Planned, Some(_)) => format!("{word} {input} -> {} (--force)", output()),
        (Status::Skipped, Some(ExistingOutput::UpToDate)) => {
            let why = why("up to date", "이미 최신");
            format!("{word} {input} -> {} ({why})", output())
        }
        (Status::Skipped, Some(_)) => {
            let why = why("exists; --force replaces it", "이미 있음, --force로 바꿀 수 있음");
            format!("{word} {input} -> {} ({why})", output())
        }
        (Status::Skipped, None) | (Status::Failed, _) => {
            format!("{word} {input}: {}", shown(&reason(lang, r)))
        }
    }
}

/// The parts of convert's summary: `3 converted, 1 failed, 0 skipped` (`3개 변환, 1개 실패,
/// 0개 건너뜀`); in a dry run `3 to convert, 1 would fail, 0 would skip`.
pub fn convert_summary(lang: Lang, s: &Summary, dry_run: bool) -> Vec<String> {
    let (c, f, k) = (s.converted, s.failed, s.skipped);
    match (lang, dry_run) {
        (Lang::En, false) => {
            vec![format!("{c} converted"), format!("{f} failed"), format!("{k} skipped")]
        }
        (Lang::En, true) => vec![
            format!("{} to convert", s.planned),
            format!("{f} would fail"),
            format!("{k} would skip"),
        ],
        (Lang::Ko, false) => {
            vec![format!("{c}개 변환"), format!("{f}개 실패"), format!("{k}개 건너뜀")]
        }
        (Lang::Ko, true) => vec![
            format!("{}개 변환 예정", s.planned),
            format!("{f}개 실패 예정"),
            format!("{k}개 건너뜀 예정"),
        ],
    }
}

/// The run's speed (verbose): `12.0 s of audio in 0.50 s (24x real time)`.
pub fn speed(lang: Lang, audio: &str, wall: &str, times: f64) -> String {
    match lang {
        Lang::En => format!("{audio} of audio in {wall} ({times:.0}x real time)"),
        Lang::Ko => format!("오디오 {audio} 분량을 {wall}에 처리 ({times:.0}배속)"),
    }
}

/// The heading of the failures listed again after a progress bar.
pub fn failed_heading(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Failed:",
        Lang::Ko => "실패한 파일:",
    }
}

/// What an interrupted run says at its end.
pub fn interrupted(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "promptwav: interrupted; the files listed as converted are complete",
        Lang::Ko => "promptwav: 중단되었습니다. 변환으로 표시된 파일은 완전합니다",
    }
}

/// What a run stopped at once (a second signal) says.
pub fn stopped_at_once(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "promptwav: stopped at once; the files reported as converted are complete",
        Lang::Ko => "promptwav: 바로 멈췄습니다. 변환으로 표시된 파일은 완전합니다",
    }
}

/// The prefix of an error that stops a command (exit 2).
pub fn error_prefix(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "promptwav: error: ",
        Lang::Ko => "promptwav: 오류: ",
    }
}

/// The refusal of an output folder that is a file.
pub fn output_is_file(lang: Lang, path: &Path) -> String {
    let path = path.display();
    match lang {
        Lang::En => {
            format!("the output folder {path} is a file, not a folder: choose a folder for -o")
        }
        Lang::Ko => {
            format!("출력 폴더가 폴더가 아니라 파일입니다: {path}. -o에는 폴더를 지정하세요")
        }
    }
}

/// The refusal of an input folder that is, or lies in, the output folder.
pub fn folder_error(lang: Lang, e: &FolderError) -> String {
    match (lang, e) {
        (Lang::En, e) => e.to_string(),
        (Lang::Ko, FolderError::InputInOutput { input, suggestion }) => format!(
            "입력 폴더({input})가 출력 폴더이거나 그 안에 있습니다: 결과가 입력과 섞입니다. \
             다른 출력 폴더를 고르세요 (예: -o {suggestion})"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// check's report.

/// The verdict word of a check report: `OK`, `WARN`, `FAIL`, `SKIP` (`통과`, `경고`, `실패`,
/// `건너뜀`).
pub fn verdict(lang: Lang, r: &Report) -> &'static str {
    let warned = r.problems.iter().any(|p| p.severity == Severity::Warning);
    match (lang, r.skipped.is_some(), r.ok, warned) {
        (Lang::En, true, _, _) => "SKIP",
        (Lang::En, false, false, _) => "FAIL",
        (Lang::En, false, true, true) => "WARN",
        (Lang::En, false, true, false) => "OK",
        (Lang::Ko, true, _, _) => "건너뜀",
        (Lang::Ko, false, false, _) => "실패",
        (Lang::Ko, false, true, true) => "경고",
        (Lang::Ko, false, true, false) => "통과",
    }
}

/// The measured facts in one bracket, with the channels in Korean words.
fn facts_ko(r: &Report) -> String {
    let channels = |n: u16| match n {
        1 => "모노".to_string(),
        2 => "스테레오".to_string(),
        n => format!("{n}채널"),
    };
    report::facts_line_in(r, channels, "없음")
}

/// The text report of one file: its verdict and facts, then one line per problem with its fix
/// (`      error   code: message: fix`; in Korean `      오류 code: message → fix`).
pub fn check_text(lang: Lang, r: &Report) -> String {
    let Lang::Ko = lang else { return report::text(r) };
    let path = shown(&r.input);
    if let Some(why) = &r.skipped {
        let why = match &r.skip_notice {
            Some(n) => notice(lang, n),
            None => why.clone(),
        };
        return format!("{}  {path}: {}", verdict(lang, r), shown(&why));
    }
    let mut out = format!("{}  {path}  {}", verdict(lang, r), facts_ko(r));
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    for p in &r.problems {
        let _ = write!(
            out,
            "\n      {} {}: {} → {}",
            severity(lang, p.severity),
            p.code,
            shown(&problem_message(lang, p)),
            shown(&fix(lang, p))
        );
    }
    out
}

/// The closing line of check: `12 checked: 10 ok, 2 failed (3 errors, 4 warnings); 1 skipped`.
pub fn check_summary(lang: Lang, s: &CheckSummary) -> String {
    let Lang::Ko = lang else { return report::summary_line(s) };
    let mut line = format!(
        "{}개 검사: {}개 통과, {}개 실패 (오류 {}개, 경고 {}개)",
        s.checked, s.ok, s.failed, s.errors, s.warnings
    );
    if s.skipped > 0 {
        let _ = write!(line, "; {}개 건너뜀", s.skipped);
    }
    line
}

/// How long a file's check took (verbose): `checked in 12.3 ms`.
pub fn checked_in(lang: Lang, time: &str) -> String {
    match lang {
        Lang::En => format!("checked in {time}"),
        Lang::Ko => format!("검사 시간 {time}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status, checked complete by [`status_index`].
    const STATUSES: &[Status] =
        &[Status::Converted, Status::Failed, Status::Skipped, Status::Planned];

    /// A distinct index per status: adding one fails to compile here until it is listed.
    fn status_index(s: Status) -> usize {
        match s {
            Status::Converted => 0,
            Status::Failed => 1,
            Status::Skipped => 2,
            Status::Planned => 3,
        }
    }

    /// A distinct index per error kind (`ErrorKind::ALL` must hold them all).
    fn kind_index(k: ErrorKind) -> usize {
        match k {
            ErrorKind::NotFound => 0,
            ErrorKind::PermissionDenied => 1,
            ErrorKind::NotAudio => 2,
            ErrorKind::UnsupportedCodec => 3,
            ErrorKind::Damaged => 4,
            ErrorKind::TooLong => 5,
            ErrorKind::OutputExists => 6,
            ErrorKind::IsAnInput => 7,
            ErrorKind::LinkInOutput => 8,
            ErrorKind::Interrupted => 9,
            ErrorKind::DiskFull => 10,
            ErrorKind::InvalidOptions => 11,
            ErrorKind::Io => 12,
            ErrorKind::Internal => 13,
        }
    }

    /// One notice of every kind, checked complete by [`notice_index`].
    fn notices() -> Vec<Notice> {
        vec![
            Notice::HiddenFile,
            Notice::NotAudioByExtension,
            Notice::FolderLoop,
            Notice::LinkToFolder,
            Notice::LinkToSpecialFile,
            Notice::BrokenLink,
            Notice::SpecialFile,
            Notice::UpToDate,
            Notice::NotOurs,
            Notice::SameFileAsEarlier,
            Notice::Interrupted,
            Notice::DiskFull,
            Notice::WouldReplace,
            Notice::InputChanged,
            Notice::NotInManifest { why: "disk full".into() },
            Notice::SourceClipped { samples: 12, runs: 2, run_len: 3 },
            Notice::OutputClipped { samples: 7 },
            Notice::NamedAs { ext: "wav".into(), format: "MP3".into() },
            Notice::DcRemoved { offset: "+5.0%".into(), cutoff_hz: 20.0 },
            Notice::NothingTrimmed,
            Notice::FadeShortened {
                asked_ms: "5000".into(),
                given_ms: "725".into(),
                length: "2.9 s".into(),
            },
            Notice::SilentLoudness,
            Notice::ShortForGating { block_s: 0.4 },
            Notice::LoudnessMissed {
                reached: -18.04,
                asked: "-16".into(),
                ceiling: Some("-1".into()),
            },
            Notice::DamagedPackets { bad: 1, total: 40 },
            Notice::SilentChannel { live: Side::Left, below_db: Some(42.0) },
            Notice::OppositePhase { live: Side::Right, correlation: -0.97 },
            Notice::Other("1 damaged frame left out".into()),
        ]
    }

    /// A distinct index per notice kind: adding one fails to compile here until it is listed.
    fn notice_index(n: &Notice) -> usize {
        match n {
            Notice::HiddenFile => 0,
            Notice::NotAudioByExtension => 1,
            Notice::FolderLoop => 2,
            Notice::LinkToFolder => 3,
            Notice::LinkToSpecialFile => 4,
            Notice::BrokenLink => 5,
            Notice::SpecialFile => 6,
            Notice::UpToDate => 7,
            Notice::NotOurs => 8,
            Notice::SameFileAsEarlier => 9,
            Notice::Interrupted => 10,
            Notice::DiskFull => 11,
            Notice::WouldReplace => 12,
            Notice::InputChanged => 13,
            Notice::NotInManifest { .. } => 14,
            Notice::SourceClipped { .. } => 15,
            Notice::OutputClipped { .. } => 16,
            Notice::DamagedPackets { .. } => 17,
            Notice::SilentChannel { .. } => 18,
            Notice::OppositePhase { .. } => 19,
            Notice::Other(_) => 20,
            Notice::NamedAs { .. } => 21,
            Notice::DcRemoved { .. } => 22,
            Notice::NothingTrimmed => 23,
            Notice::FadeShortened { .. } => 24,
            Notice::SilentLoudness => 25,
            Notice::ShortForGating { .. } => 26,
            Notice::LoudnessMissed { .. } => 27,
        }
    }

    /// One fix of every kind, checked complete by [`fix_index`].
    fn fixes() -> Vec<Fix> {
        vec![
            Fix::Usual,
            Fix::Run("`promptwav convert a.wav -o DIR`".into()),
            Fix::Rename("annae.wav".into()),
            Fix::ExportAgain,
            Fix::Report,
            Fix::RunSmartDownmix("`promptwav convert a.wav -o DIR`".into()),
        ]
    }

    fn fix_index(f: &Fix) -> usize {
        match f {
            Fix::Usual => 0,
            Fix::Run(_) => 1,
            Fix::Rename(_) => 2,
            Fix::ExportAgain => 3,
            Fix::Report => 4,
            Fix::RunSmartDownmix(_) => 5,
        }
    }

    /// One detail of every kind, checked complete by [`detail_index`].
    fn details() -> Vec<Detail> {
        let all = vec![
            Detail::SampleRate { found: 44100, needs: 48000 },
            Detail::Channels { found: 2, needs: 1 },
            Detail::BitDepth { found: 24, needs: 16 },
            Detail::LeadingSilence { seconds: 1.5, limit: 1.0 },
            Detail::TrailingSilence { seconds: 2.25, limit: 1.0 },
            Detail::Clipping { runs: 2, run_len: 3, samples: 9, first_s: 0.5 },
            Detail::Silent { threshold_dbfs: -50.0, seconds: 1.0 },
            Detail::NotWavAudio {
                format: "mp4".into(),
                codec: "aac".into(),
                rate: 44100,
                channels: 1,
            },
            Detail::NameNonAscii { name: "안내 멘트.wav".into() },
            Detail::NameUnsafeChars { chars: "' '".into() },
            Detail::NameStartsWith { first: '-' },
            Detail::NameReserved { base: "CON".into() },
            Detail::NameExtension { found: Some("WAV".into()), needs: "wav".into() },
            Detail::NameExtension { found: None, needs: "wav".into() },
            Detail::NameTooLong { bytes: 300, max: 255 },
        ];
        complete(all.iter().map(detail_index).collect(), "details");
        all
    }

    fn detail_index(d: &Detail) -> usize {
        match d {
            Detail::SampleRate { .. } => 0,
            Detail::Channels { .. } => 1,
            Detail::BitDepth { .. } => 2,
            Detail::LeadingSilence { .. } => 3,
            Detail::TrailingSilence { .. } => 4,
            Detail::Clipping { .. } => 5,
            Detail::Silent { .. } => 6,
            Detail::NotWavAudio { .. } => 7,
            Detail::NameNonAscii { .. } => 8,
            Detail::NameUnsafeChars { .. } => 9,
            Detail::NameStartsWith { .. } => 10,
            Detail::NameReserved { .. } => 11,
            Detail::NameExtension { found: Some(_), .. } => 12,
            Detail::NameExtension { found: None, .. } => 13,
            Detail::NameTooLong { .. } => 14,
        }
    }

    fn severity_index(s: Severity) -> usize {
        match s {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Error => 2,
        }
    }

    /// The indices of `list` are exactly 0..n, each once.
    fn complete(mut indices: Vec<usize>, what: &str) {
        indices.sort_unstable();
        assert_eq!(indices, (0..indices.len()).collect::<Vec<_>>(), "{what}: a variant is missing");
    }

    fn has_hangul(text: &str) -> bool {
        text.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c))
    }

    #[test]
    fn every_status_has_both_languages() {
        complete(STATUSES.iter().map(|&s| status_index(s)).collect(), "statuses");
        for &s in STATUSES {
            assert!(!status_word(Lang::En, s).is_empty());
            assert!(has_hangul(status_word(Lang::Ko, s)), "{s:?}");
        }
    }

    #[test]
    fn every_error_kind_has_both_languages() {
        complete(ErrorKind::ALL.iter().map(|&k| kind_index(k)).collect(), "error kinds");
        for &k in ErrorKind::ALL {
            assert!(!error_kind(Lang::En, k).is_empty(), "{k:?}");
            assert!(has_hangul(error_kind(Lang::Ko, k)), "{k:?}");
        }
    }

    #[test]
    fn every_notice_has_both_languages() {
        let all = notices();
        complete(all.iter().map(notice_index).collect(), "notices");
        for n in &all {
            assert!(!notice(Lang::En, n).is_empty(), "{n:?}");
            assert_eq!(notice(Lang::En, n), n.english());
            let ko = notice(Lang::Ko, n);
            // Other carries its English text as it is, by design.
            if !matches!(n, Notice::Other(_)) {
                assert!(has_hangul(&ko), "{n:?}: {ko}");
            }
        }
        // The specifics are in the Korean sentence too.
        let clipped = notice(Lang::Ko, &Notice::SourceClipped { samples: 12, runs: 2, run_len: 3 });
        assert!(clipped.contains("12") && clipped.contains("2곳") && clipped.contains('3'));
        let side =
            notice(Lang::Ko, &Notice::SilentChannel { live: Side::Left, below_db: Some(42.0) });
        assert!(side.contains("오른쪽 채널이 무음") && side.contains("42 dB"), "{side}");
    }

    #[test]
    fn every_problem_code_and_fix_has_both_languages() {
        for &c in Code::ALL {
            let (what, fix) = code(Lang::Ko, c);
            assert!(has_hangul(what) && has_hangul(fix), "{c}");
            assert_eq!(code(Lang::En, c), (c.what(), c.fix()));
        }
        let all = fixes();
        complete(all.iter().map(fix_index).collect(), "fixes");
        for f in all {
            let p = Problem::fixed(Code::SampleRate, "sample rate 44100 Hz, needs 48000 Hz", f);
            assert!(has_hangul(&fix(Lang::Ko, &p)), "{:?}", p.fix_key);
            assert!(!fix(Lang::En, &p).is_empty());
            let message = problem_message(Lang::Ko, &p);
            assert!(has_hangul(&message) && message.contains("44100 Hz"), "{message}");
        }
        for d in details() {
            let p = Problem::new(Code::SampleRate, "english", "fix").with_detail(d);
            let message = problem_message(Lang::Ko, &p);
            assert!(has_hangul(&message) && !message.contains("english"), "{message}");
            assert_eq!(problem_message(Lang::En, &p), "english");
        }
        let stereo = Problem::new(Code::Channels, "stereo, needs mono", "fix")
            .with_detail(Detail::Channels { found: 2, needs: 1 });
        assert_eq!(problem_message(Lang::Ko, &stereo), "스테레오입니다. 모노여야 합니다");
        let sev = [Severity::Info, Severity::Warning, Severity::Error];
        complete(sev.iter().map(|&s| severity_index(s)).collect(), "severities");
        for s in sev {
            assert!(has_hangul(severity(Lang::Ko, s)));
            assert_eq!(severity(Lang::En, s), s.as_str());
        }
    }

    #[test]
    fn summaries() {
        let s = Summary { converted: 3, failed: 1, skipped: 0, planned: 0 };
        assert_eq!(
            convert_summary(Lang::Ko, &s, false).join(", "),
            "3개 변환, 1개 실패, 0개 건너뜀"
        );
        assert_eq!(
            convert_summary(Lang::En, &s, false).join(", "),
            "3 converted, 1 failed, 0 skipped"
        );
        let c = CheckSummary { checked: 2, ok: 1, failed: 1, skipped: 1, errors: 2, warnings: 0 };
        assert_eq!(
            check_summary(Lang::Ko, &c),
            "2개 검사: 1개 통과, 1개 실패 (오류 2개, 경고 0개); 1개 건너뜀"
        );
        assert_eq!(check_summary(Lang::En, &c), report::summary_line(&c));
    }

    #[test]
    fn the_environment_decides_as_posix_orders_it() {
        assert_eq!(Lang::from_env_values(None, None, None), Lang::En);
        assert_eq!(Lang::from_env_values(None, None, Some("ko_KR.UTF-8")), Lang::Ko);
        assert_eq!(Lang::from_env_values(None, None, Some("ko")), Lang::Ko);
        assert_eq!(Lang::from_env_values(None, None, Some("C")), Lang::En);
        assert_eq!(Lang::from_env_values(None, None, Some("POSIX")), Lang::En);
        assert_eq!(Lang::from_env_values(None, None, Some("en_US.UTF-8")), Lang::En);
        assert_eq!(Lang::from_env_values(Some("C"), None, Some("ko_KR.UTF-8")), Lang::En);
        assert_eq!(Lang::from_env_values(Some("ko_KR.UTF-8"), None, Some("C")), Lang::Ko);
        assert_eq!(Lang::from_env_values(None, Some("ko_KR.UTF-8"), Some("C")), Lang::Ko);
        assert_eq!(Lang::from_env_values(Some(""), None, Some("ko_KR.UTF-8")), Lang::Ko);
        assert_eq!(Lang::from_locale("k"), Lang::En);
        for &l in Lang::ALL {
            assert_eq!(l.code().len(), 2);
        }
    }
}
