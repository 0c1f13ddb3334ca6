"""The explorer's own words in English and Vietnamese; numbers, metric names and target
sentences come from the policy brief's catalogue (coopsim.brief.catalogue), so the page and
the brief say the same things the same way."""

from __future__ import annotations

from coopsim.brief.catalogue import LANGUAGES, Lang, nfc

#: message id -> (English, Vietnamese), placeholders in str.format style.
WORDS: dict[str, tuple[str, str]] = {
    "title": (
        "Scenario explorer: cooperatives in {region}",
        "Khám phá kịch bản: hợp tác xã {region}",
    ),
    "scenario": ("Scenario", "Kịch bản"),
    "bundled": ("Scenario files", "Tệp kịch bản"),
    "yours": ("Your exports", "Kịch bản bạn đã xuất"),
    "language": ("Language", "Ngôn ngữ"),
    "levers": ("Settings you can move", "Các thông số có thể điều chỉnh"),
    "levers_intro": (
        "Drag a slider or type a value; each change is checked exactly as "
        "coopsim forecast --set checks it.",
        "Kéo thanh trượt hoặc nhập giá trị; mỗi thay đổi được kiểm tra đúng như lệnh "
        "coopsim forecast --set.",
    ),
    "reset": ("Reset", "Đặt lại"),
    "reset_all": ("Reset all", "Đặt lại tất cả"),
    "range": ("range {low} to {high}", "khoảng {low} đến {high}"),
    "file_value": ("in the file: {value}", "trong tệp: {value}"),
    "targets": ("Targets", "Mục tiêu"),
    "target": ("Target", "Mục tiêu"),
    "probability": ("Probability", "Xác suất"),
    "interval": ("95% interval", "Khoảng tin cậy 95%"),
    "unchanged": ("Before your changes", "Trước khi thay đổi"),
    "difference": (
        "Difference, percentage points [95% interval]",
        "Chênh lệch, điểm phần trăm [khoảng tin cậy 95%]",
    ),
    "exact": ("exact", "chính xác"),
    "engine_exact": (
        "Exact engine: probabilities without Monte Carlo error.",
        "Bộ máy tính chính xác: xác suất không có sai số Monte Carlo.",
    ),
    "origin_status": (
        "Starts at the report of {date}: the year's figures so far count.",
        "Xuất phát từ báo cáo ngày {date}: số liệu từ đầu năm đến nay được tính.",
    ),
    "engine_mc": (
        "Monte Carlo, {engine} engine: {done} of {total} replicates, seed {seed}.",
        "Monte Carlo, bộ máy {engine}: {done}/{total} lần mô phỏng, hạt giống {seed}.",
    ),
    "computing": ("Computing…", "Đang tính…"),
    "refining": ("Refining…", "Đang chính xác hoá…"),
    "reproduce": ("The same numbers from the command line:", "Cùng kết quả bằng dòng lệnh:"),
    "changed": ("Settings changed: {n}", "Số thông số đã thay đổi: {n}"),
    "fans": ("Forecasts", "Dự báo"),
    "goal": ("What would it take?", "Cần gì để đạt mục tiêu?"),
    "goal_intro": (
        "The value of one setting at which a target reaches a probability, searched with "
        "coopsim goal-seek on the settings as they are now.",
        "Giá trị của một thông số để mục tiêu đạt một xác suất, tìm bằng coopsim goal-seek "
        "với các thông số hiện tại.",
    ),
    "goal_lever": ("Setting", "Thông số"),
    "goal_probability": ("Wanted probability", "Xác suất mong muốn"),
    "goal_run": ("Search", "Tìm"),
    "goal_searching": ("Searching…", "Đang tìm…"),
    "goal_found": ("{lever} = {value} gives P = {p}.", "{lever} = {value} cho xác suất {p}."),
    "goal_unreachable": (
        "No value in the range reaches {wanted}; the best, {lever} = {value}, gives P = {p}.",
        "Không giá trị nào trong khoảng đạt {wanted}; tốt nhất là {lever} = {value}, "
        "cho xác suất {p}.",
    ),
    "goal_apply": ("Use this value", "Dùng giá trị này"),
    "goal_mark": ("goal seek", "kết quả tìm"),
    "export": ("Take it to the meeting", "Mang kết quả đi họp"),
    "export_intro": (
        "The scenario file extends the chosen one with only the settings you changed; "
        "coopsim forecast of it gives the numbers shown here.",
        "Tệp kịch bản kế thừa kịch bản đã chọn và chỉ ghi các thông số bạn đã thay đổi; "
        "coopsim forecast với tệp này cho đúng các con số hiển thị ở đây.",
    ),
    "export_name": ("File name", "Tên tệp"),
    "export_scenario": ("Export the scenario file", "Xuất tệp kịch bản"),
    "export_brief": ("Export the policy brief", "Xuất bản tóm tắt chính sách"),
    "exported": ("Written: {file}", "Đã ghi: {file}"),
    "writing_brief": ("Writing the brief…", "Đang viết bản tóm tắt…"),
    "data": ("What the scenario is calibrated to", "Số liệu dùng để hiệu chỉnh kịch bản"),
    "failed": ("Could not compute: {reason}", "Không tính được: {reason}"),
}


def words(code: str) -> dict[str, str]:
    """Every message of the explorer in language `code` (placeholders left for the page)."""
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; choose from {', '.join(LANGUAGES)}")
    column = LANGUAGES.index(code)
    return {key: nfc(pair[column]) for key, pair in WORDS.items()}


def word(lang: Lang, key: str, **values: object) -> str:
    """One message in `lang`, with its placeholders filled."""
    return words(lang.code)[key].format(**values)
