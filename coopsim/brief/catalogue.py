"""The brief's words in English and Vietnamese, and numbers written the way each language does.

Every piece of page text and every chart label comes from here, so a language is complete when
its column is. Vietnamese writes a comma as the decimal separator and a dot between thousands
(1.025 hợp tác xã; 40,6%); English the reverse (1,025; 40.6%). Years are never grouped.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from coopsim.brief.terms import CLASS_NAMES, METRIC_LABELS, POLICY_GROUPS, UNITS

LANGUAGES: tuple[str, ...] = ("en", "vi")

#: message id -> (English, Vietnamese); placeholders in str.format style.
TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "Policy brief: cooperatives in {region}",
        "Tóm tắt chính sách: hợp tác xã tỉnh {region}",
    ),
    "subtitle": (
        "Collective economy: how likely are the targets, and what would it take? "
        "Forecast {first}–{last}.",
        "Kinh tế tập thể: khả năng đạt các mục tiêu và cần làm gì để đạt? Dự báo {first}–{last}.",
    ),
    "contents": ("Contents", "Nội dung"),
    "headline": ("Key findings", "Những điểm chính"),
    "headline_intro": (
        "Starting from the end-{year} stock of {total} cooperatives ({members} members), each "
        "scenario is run {runs}, from seed {seed} ({engine} engine). A probability is the share "
        "of simulated futures in which the target is met.",
        "Xuất phát từ {total} hợp tác xã cuối năm {year} ({members} thành viên), mỗi kịch bản "
        "được mô phỏng {runs}, với hạt giống ngẫu nhiên {seed} (bộ máy tính {engine}). Xác suất "
        "là tỷ lệ các kịch bản tương lai mô phỏng trong đó mục tiêu đạt được.",
    ),
    "origin_intro": (
        "The forecast starts at the report of {date}, the latest the province has published: "
        "what the year has brought so far counts toward the year's targets, and every "
        "simulated future starts from the state that report shows. It is conditioned on "
        "these figures:",
        "Dự báo xuất phát từ báo cáo ngày {date}, báo cáo mới nhất tỉnh đã công bố: kết quả "
        "từ đầu năm đến nay được tính vào mục tiêu của năm, và mọi kịch bản tương lai mô phỏng "
        "đều xuất phát từ tình trạng mà báo cáo đó cho thấy. Dự báo dựa trên các số liệu sau:",
    ),
    "runs_replicates": ("{n} times (Monte Carlo replicates)", "{n} lần (Monte Carlo)"),
    "runs_exact": (
        "as exact probability distributions",
        "dưới dạng phân phối xác suất chính xác",
    ),
    "target": ("Target", "Mục tiêu"),
    "year": ("Year", "Năm"),
    "scenario": ("Scenario", "Kịch bản"),
    "probability": ("Probability", "Xác suất"),
    "probability_ci": ("Probability [95% interval]", "Xác suất [khoảng tin cậy 95%]"),
    "reading": ("Reading", "Đánh giá"),
    "very_likely": ("very likely", "rất có khả năng"),
    "likely": ("likely", "có khả năng"),
    "even": ("about as likely as not", "khả năng ngang nhau"),
    "unlikely": ("unlikely", "ít có khả năng"),
    "very_unlikely": ("very unlikely", "rất ít có khả năng"),
    "fans": ("Forecasts", "Dự báo"),
    "fans_intro": (
        "Shaded bands hold the forecast with 50%, 80% and 95% probability; the line is the "
        "median; black points are published figures (white diamonds: a report within the "
        "year, a flow's count so far); hatched green zones are the targets, with the "
        "probability of meeting each.",
        "Các dải màu chứa giá trị dự báo với xác suất 50%, 80% và 95%; đường đậm là trung vị; "
        "chấm đen là số liệu đã công bố (hình thoi trắng: báo cáo trong năm, với số lượng "
        "tính từ đầu năm); vùng gạch chéo màu xanh lá là mục tiêu, kèm xác suất "
        "đạt mục tiêu.",
    ),
    "scenario_heading": ("Scenario “{name}”", "Kịch bản “{name}”"),
    "comparison": ("Comparison of scenarios", "So sánh các kịch bản"),
    "by_when": ("By when", "Đến khi nào"),
    "by_when_intro": (
        "For targets that are a level to reach, the first year the level is met in half of "
        "the simulated futures, and the probability of having met it by {horizon}.",
        "Với các mục tiêu là một mức cần đạt: năm đầu tiên mức đó đạt được trong một nửa số "
        "tương lai mô phỏng, và xác suất đã đạt được trước hết năm {horizon}.",
    ),
    "first_year_cell": ("{year}; by {horizon}: {p}", "{year}; đến {horizon}: {p}"),
    "not_by_horizon": ("not by {horizon} (by then: {p})", "chưa đạt đến {horizon} (khi đó: {p})"),
    "bounds_cell": ("by {horizon}: {low}–{high}", "đến {horizon}: {low}–{high}"),
    "comparison_intro": (
        "All scenarios were run with the same random numbers, so a difference reflects the "
        "policies, not chance. Differences are against “{first}”, with a paired 95% interval, "
        "in percentage points; “better / worse” are the shares of simulated futures in which "
        "the scenario meets a target that “{first}” misses, and the reverse.",
        "Các kịch bản dùng chung một dãy số ngẫu nhiên, nên chênh lệch phản ánh khác biệt chính "
        "sách chứ không phải do ngẫu nhiên. Chênh lệch so với “{first}”, tính bằng điểm phần "
        "trăm, kèm khoảng tin cậy 95% theo cặp; “tốt hơn / kém hơn” là tỷ lệ tương lai mô phỏng "
        "trong đó kịch bản đạt mục tiêu mà “{first}” không đạt, và ngược lại.",
    ),
    "difference": ("Difference [95% interval]", "Chênh lệch [khoảng tin cậy 95%]"),
    "better": ("Better / worse", "Tốt hơn / kém hơn"),
    "points": ("{value} pp [{low}, {high}]", "{value} điểm % [{low}; {high}]"),
    "reference": ("reference", "đối chứng"),
    "comparison_source": (
        "Paired comparison by coopsim.compare: {n} replicates per scenario, {engine} engine.",
        "So sánh theo cặp bằng coopsim.compare: {n} lần mô phỏng mỗi kịch bản, bộ máy tính "
        "{engine}.",
    ),
    "comparison_chart_title": (
        "Probability of meeting each target, by scenario",
        "Xác suất đạt từng mục tiêu, theo kịch bản",
    ),
    "comparison_chart_alt": (
        "Probability of each target by scenario, with 95% intervals",
        "Xác suất đạt từng mục tiêu theo kịch bản, kèm khoảng tin cậy 95%",
    ),
    "goal": ("What it would take", "Cần gì để đạt mục tiêu"),
    "goal_intro": (
        "For each target of “{scenario}”, the smallest value of one lever at which the target "
        "is met with probability {probability}, searched with common random numbers within the "
        "lever's allowed range; every other setting stays as in the scenario. Replay a value "
        "with coopsim forecast --set LEVER=VALUE.",
        "Với mỗi mục tiêu của kịch bản “{scenario}”: giá trị nhỏ nhất của một đòn bẩy chính sách "
        "để đạt mục tiêu với xác suất {probability}, tìm trong phạm vi cho phép của đòn bẩy với "
        "cùng một dãy số ngẫu nhiên; mọi thiết lập khác giữ như trong kịch bản. Có thể chạy lại "
        "một giá trị bằng lệnh coopsim forecast --set ĐÒN_BẨY=GIÁ_TRỊ.",
    ),
    "lever": ("Lever", "Đòn bẩy"),
    "current": ("Now", "Hiện tại"),
    "needed": ("Needed", "Cần đạt"),
    "reached": ("Probability reached", "Xác suất đạt được"),
    "unreachable": (
        "not reachable in the lever's range; the best value tried, {value}, gives {probability}",
        "không đạt được trong phạm vi của đòn bẩy; giá trị tốt nhất đã thử là {value}, cho xác "
        "suất {probability}",
    ),
    "decreasing": (
        "the largest value: the probability falls as the lever rises",
        "giá trị lớn nhất: xác suất giảm khi đòn bẩy tăng",
    ),
    "no_lever": (
        "no lever of this scenario acts on this target",
        "không có đòn bẩy nào của kịch bản tác động đến mục tiêu này",
    ),
    "assumptions": ("Assumptions", "Giả định"),
    "assumptions_intro": (
        "Quoted text is from the scenario files, in their original language; the reasoning "
        "behind each figure is in the files' comments, reproduced below.",
        "Phần trích dẫn lấy từ tệp kịch bản, giữ nguyên ngôn ngữ gốc (tiếng Anh); lập luận cho "
        "từng con số nằm trong phần chú thích của tệp, trích lại dưới đây.",
    ),
    "founding_row": (
        "Cooperatives founded directly, per year (mean)",
        "Số hợp tác xã thành lập trực tiếp mỗi năm (trung bình)",
    ),
    "dispersion_row": (
        "Year-to-year variation of founding (gamma shape; smaller is more variable)",
        "Biến động giữa các năm của số thành lập (tham số hình dạng gamma; càng nhỏ càng biến "
        "động)",
    ),
    "poisson": ("none (Poisson)", "không (Poisson)"),
    "conversion_row": (
        "Conversion of cooperative groups into cooperatives (per group per year)",
        "Tỷ lệ tổ hợp tác chuyển thành hợp tác xã (mỗi tổ mỗi năm)",
    ),
    "law_row": (
        "Law on Cooperatives 2023: in force {date}, founding × {multiplier}",
        "Luật Hợp tác xã 2023: hiệu lực từ {date}, số thành lập × {multiplier}",
    ),
    "well_row": ("“Operating well” counts", "“Hoạt động hiệu quả” gồm các loại"),
    "setting": ("Setting", "Thiết lập"),
    "value": ("Value", "Giá trị"),
    "levers": ("Policy levers", "Đòn bẩy chính sách"),
    "policy_group": ("Policy group", "Nhóm chính sách"),
    "from_date": ("From", "Từ"),
    "classes": ("Classes", "Loại"),
    "effects": ("Effects (× hazard)", "Tác động (× cường độ)"),
    "description": ("Description (scenario file)", "Mô tả (tệp kịch bản)"),
    "ramp": ("full strength after {years} years", "đạt toàn lực sau {years} năm"),
    "programmes": ("Support programmes", "Chương trình hỗ trợ"),
    "programme_row": (
        "{name}: from {start}, up to {capacity} cooperatives a year, {cost} million VND each, "
        "budget {budget} million VND",
        "{name}: từ {start}, tối đa {capacity} hợp tác xã mỗi năm, {cost} triệu đồng mỗi hợp "
        "tác xã, ngân sách {budget} triệu đồng",
    ),
    "cleanups": ("Clean-up waves", "Các đợt rà soát, giải thể"),
    "cleanup_row": (
        "{name}: on {date}, removal probability {classes}",
        "{name}: ngày {date}, xác suất xóa tên {classes}",
    ),
    "reasoning": ("Reasoning in the scenario file {file}", "Lập luận trong tệp kịch bản {file}"),
    "upgrade": ("upgrade", "lên loại"),
    "downgrade": ("downgrade", "xuống loại"),
    "dissolution": ("dissolution", "giải thể"),
    "founding": ("founding", "thành lập"),
    "group_conversion": ("group conversion", "chuyển đổi tổ hợp tác"),
    "sources": ("Data sources", "Nguồn số liệu"),
    "sources_intro": (
        "Published figures the forecast starts from and is checked against ({file}).",
        "Số liệu đã công bố làm điểm xuất phát và để đối chiếu dự báo ({file}).",
    ),
    "sources_not_used": (
        "Dated snapshots and flows over other periods are listed as published; the forecast "
        "and the calibration do not use them yet.",
        "Số liệu tại các thời điểm khác và số liệu theo các giai đoạn khác được liệt kê như đã "
        "công bố; dự báo và hiệu chỉnh mô hình chưa sử dụng các số liệu này.",
    ),
    "some_day": ("some day from {first} to {last}", "một ngày từ {first} đến {last}"),
    "period_dates": ("{first} to {last}", "từ {first} đến {last}"),
    "dated_total": ("Cooperatives", "Số hợp tác xã"),
    "stopped_count": ("Stopped operating", "Ngừng hoạt động"),
    "stopped_share": ("Share stopped operating", "Tỷ lệ ngừng hoạt động"),
    "class_share": ("Share classified {name}", "Tỷ lệ xếp loại {name}"),
    "period_founded": ("Founded", "Thành lập mới"),
    "period_dissolved": ("Dissolved", "Giải thể"),
    "period_removed": ("Struck off in a clean-up", "Bị xóa tên qua rà soát"),
    "period_net_change": ("Net change", "Tăng ròng"),
    "removed_in_year": (
        "Struck off in a clean-up during the year",
        "Bị xóa tên qua rà soát trong năm",
    ),
    "figure": ("Figure", "Chỉ tiêu"),
    "source": ("Source", "Nguồn"),
    "caveat": ("Caveat", "Lưu ý"),
    "inconsistencies": ("Figures that do not add up", "Số liệu không khớp nhau"),
    "flows_gap": (
        "{year}: founded − dissolved = {founded} − {dissolved} = {by_flows}, but {label} is "
        "{net} (gap {gap}).",
        "Năm {year}: thành lập − giải thể = {founded} − {dissolved} = {by_flows}, nhưng {label} "
        "là {net} (chênh lệch {gap}).",
    ),
    "net_published": ("the published net change", "mức tăng ròng được công bố"),
    "net_stock": ("the change in the published stock", "mức thay đổi của tổng số được công bố"),
    "stock_revision": (
        "Treatment: the forecast starts from the published end-of-year stock; the published "
        "flows set the founding and dissolution rates; the gap is read as a one-off stock "
        "revision and not projected forward.",
        "Cách xử lý: dự báo xuất phát từ tổng số cuối năm được công bố; số thành lập và giải thể "
        "được công bố quyết định tốc độ thành lập và giải thể; phần chênh lệch được coi là điều "
        "chỉnh số liệu một lần, không kéo dài sang các năm sau.",
    ),
    "provenance": ("Provenance", "Nguồn gốc kết quả"),
    "provenance_intro": (
        "Everything needed to reproduce this brief. The full record is embedded in the page "
        "as JSON (element id “provenance-record”).",
        "Mọi thông tin cần để tạo lại bản tóm tắt này. Bản ghi đầy đủ được nhúng trong trang "
        "dưới dạng JSON (phần tử có id “provenance-record”).",
    ),
    "version": ("coopsim version", "Phiên bản coopsim"),
    "created": ("Created", "Thời điểm tạo"),
    "command": ("Command", "Lệnh"),
    "seed": ("Random seed", "Hạt giống ngẫu nhiên"),
    "replicates": ("Replicates", "Số lần mô phỏng"),
    "engine": ("Engine", "Bộ máy tính"),
    "scenario_files": ("Scenario files (SHA-256)", "Tệp kịch bản (SHA-256)"),
    "data_file": ("Data file (SHA-256)", "Tệp số liệu (SHA-256)"),
    "software": ("Software", "Phần mềm"),
    "footer": (
        "Generated by coopsim {version} on {date}. A model's forecast, not an official statistic.",
        "Tạo bởi coopsim {version} ngày {date}. Đây là kết quả dự báo của mô hình, không phải "
        "số liệu thống kê chính thức.",
    ),
    # Charts.
    "band_95": ("95% band", "khoảng 95%"),
    "band_80": ("80% band", "khoảng 80%"),
    "band_50": ("50% band", "khoảng 50%"),
    "median": ("median", "trung vị"),
    "published": ("published", "số liệu công bố"),
    "target_zone": ("target zone", "vùng mục tiêu"),
    "chart_subtitle": ("{region}, scenario “{name}”", "{region}, kịch bản “{name}”"),
    "x_year": ("Year (end-of-year classification)", "Năm (phân loại cuối năm)"),
    "y_share": ("Share of all cooperatives", "Tỷ lệ trên tổng số hợp tác xã"),
    "annotation": (
        "{label}\nP = {p} (95% CI {low}–{high})",
        "{label}\nXác suất {p} (KTC 95%: {low}–{high})",
    ),
    "target_short": ("{year} target: {condition}", "Mục tiêu {year}: {condition}"),
    "fan_alt": (
        "Fan chart: {label}, {region}, scenario {name}",
        "Biểu đồ quạt: {label}, {region}, kịch bản {name}",
    ),
    # Conditions.
    "between": ("between {low} and {high}", "từ {low} đến {high}"),
    "between_short": ("{low}–{high}", "{low}–{high}"),
    ">": ("above {x}", "trên {x}"),
    ">=": ("at least {x}", "ít nhất {x}"),
    "<": ("below {x}", "dưới {x}"),
    "<=": ("at most {x}", "nhiều nhất {x}"),
    "target_sentence": ("{noun} {when} {condition}", "{noun} {when} {condition}"),
    "level": ("{noun}: {condition}", "{noun}: {condition}"),
    "level_flow": ("{noun} in a year: {condition}", "{noun} trong một năm: {condition}"),
    "in_year": ("in {year}", "trong năm {year}"),
    "end_of_year": ("at the end of {year}", "cuối năm {year}"),
}


@dataclass(frozen=True)
class Lang:
    """One language of the brief: its words and its way of writing numbers."""

    code: str

    def __post_init__(self) -> None:
        if self.code not in LANGUAGES:
            raise ValueError(f"unknown language {self.code!r}; choose from {', '.join(LANGUAGES)}")

    @property
    def _column(self) -> int:
        return LANGUAGES.index(self.code)

    def t(self, key: str, **values: object) -> str:
        """The message `key` in this language, with its placeholders filled."""
        return nfc(TEXT[key][self._column].format(**values))

    def pick(self, table: dict[str, tuple[str, ...]], key: str) -> str:
        """This language's entry of a (English, Vietnamese, ...) table."""
        return nfc(table[key][self._column])

    def metric_label(self, metric: str) -> str:
        return self.pick(METRIC_LABELS, metric)

    def unit(self, unit: str) -> str:
        return self.pick(UNITS, unit) if unit in UNITS else unit

    def class_name(self, name: str) -> str:
        return self.pick(CLASS_NAMES, name)

    def policy_group(self, group: str) -> str:
        return self.pick(POLICY_GROUPS, group) if group in POLICY_GROUPS else group

    def number(self, value: float, decimals: int = 0) -> str:
        """A number with this language's thousands and decimal separators."""
        if isinstance(value, float) and math.isnan(value):
            return "–"
        text = f"{value:,.{decimals}f}"
        if self.code == "vi":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text.replace("-", "−")

    def general(self, value: float) -> str:
        """A parameter value with as many decimals as it needs (up to six)."""
        if float(value).is_integer():
            return self.number(value)
        decimals = min(6, max(1, len(f"{value:.6f}".rstrip("0").split(".")[1])))
        return self.number(value, decimals)

    def percent(self, share: float, decimals: int = 1) -> str:
        """A share as a percentage, e.g. 40.6% or 40,6%."""
        return self.number(100 * share, decimals) + "%"

    def probability(self, p: float) -> str:
        """A probability in percent, with a decimal near 0 and 1 where rounding would hide it."""
        return self.percent(p, 0 if 0.01 <= p <= 0.99 else 1)

    def interval(self, low: float, high: float) -> str:
        """A 95% interval of probabilities, e.g. [28–33%]."""
        return f"[{self.probability(low).rstrip('%')}–{self.probability(high)}]"

    def likelihood(self, p: float) -> str:
        """A calibrated word for a probability (the IPCC's scale, coarsened)."""
        if p >= 0.9:
            return self.t("very_likely")
        if p >= 0.66:
            return self.t("likely")
        if p > 0.33:
            return self.t("even")
        if p > 0.1:
            return self.t("unlikely")
        return self.t("very_unlikely")


def nfc(text: str) -> str:
    """Text in Unicode composed form: fonts draw precomposed Vietnamese letters reliably."""
    return unicodedata.normalize("NFC", text)
