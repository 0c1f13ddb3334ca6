"""The model's terms in English and Vietnamese: metrics, classes, units, policy groups, and the
published figures of a region file (as (English, Vietnamese) pairs; see catalogue.Lang.pick).

Vietnamese follows the official vocabulary: hợp tác xã (cooperative), tổ hợp tác (cooperative
group), liên hiệp hợp tác xã (union), and the classes of Circular 01/2020: tốt, khá, trung
bình, yếu.
"""

from __future__ import annotations

#: metric -> (English, Vietnamese) label for charts; the English ones match coopsim.metrics.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "cooperatives": (
        "Cooperatives alive at the year-end classification",
        "Số hợp tác xã tại thời điểm phân loại cuối năm",
    ),
    "founded": ("Cooperatives founded during the year", "Số hợp tác xã thành lập mới trong năm"),
    "dissolved": ("Cooperatives dissolved during the year", "Số hợp tác xã giải thể trong năm"),
    "members": ("Members of all cooperatives", "Số thành viên của các hợp tác xã"),
    "good": (
        "Cooperatives classified good (80-100 points)",
        "Hợp tác xã xếp loại tốt (80–100 điểm)",
    ),
    "fair": ("Cooperatives classified fair (65-79 points)", "Hợp tác xã xếp loại khá (65–79 điểm)"),
    "average": (
        "Cooperatives classified average (50-64 points)",
        "Hợp tác xã xếp loại trung bình (50–64 điểm)",
    ),
    "weak": (
        "Cooperatives classified weak (under 50 points)",
        "Hợp tác xã xếp loại yếu (dưới 50 điểm)",
    ),
    "unclassified": (
        "Cooperatives under 12 months old (not classified)",
        "Hợp tác xã hoạt động dưới 12 tháng (chưa phân loại)",
    ),
    "well_operating_share": (
        "Share of cooperatives operating well",
        "Tỷ lệ hợp tác xã hoạt động hiệu quả (tốt, khá)",
    ),
    "weak_share": ("Share of cooperatives classified weak", "Tỷ lệ hợp tác xã xếp loại yếu"),
    "removed": (
        "Cooperatives removed by clean-ups (part of dissolved)",
        "Hợp tác xã bị xóa tên qua rà soát (thuộc số giải thể)",
    ),
    "supported": (
        "Cooperatives newly supported by programmes",
        "Hợp tác xã mới được chương trình hỗ trợ",
    ),
    "budget_spent_million_vnd": ("Programme budget spent", "Kinh phí chương trình đã chi"),
    "cooperative_groups": (
        "Cooperative groups in the pool at year end",
        "Số tổ hợp tác còn lại cuối năm",
    ),
    "dormant": (
        "Cooperatives stopped operating at the classification (alive, not classified)",
        "Hợp tác xã ngừng hoạt động tại thời điểm phân loại (còn tồn tại, không phân loại)",
    ),
}

#: metric -> (English, Vietnamese) noun for target sentences, and whether it is a yearly flow.
METRIC_NOUNS: dict[str, tuple[str, str, bool]] = {
    "cooperatives": ("Cooperatives", "Số hợp tác xã", False),
    "founded": ("New cooperatives founded", "Số hợp tác xã thành lập mới", True),
    "dissolved": ("Cooperatives dissolved", "Số hợp tác xã giải thể", True),
    "members": ("Members", "Số thành viên", False),
    "good": ("Cooperatives classified good", "Số hợp tác xã xếp loại tốt", False),
    "fair": ("Cooperatives classified fair", "Số hợp tác xã xếp loại khá", False),
    "average": ("Cooperatives classified average", "Số hợp tác xã xếp loại trung bình", False),
    "weak": ("Cooperatives classified weak", "Số hợp tác xã xếp loại yếu", False),
    "unclassified": ("Unclassified cooperatives", "Số hợp tác xã chưa phân loại", False),
    "well_operating_share": (
        "Share of cooperatives operating well",
        "Tỷ lệ hợp tác xã hoạt động hiệu quả",
        False,
    ),
    "weak_share": ("Share of weak cooperatives", "Tỷ lệ hợp tác xã xếp loại yếu", False),
    "removed": ("Cooperatives removed by clean-ups", "Số hợp tác xã bị xóa tên", True),
    "supported": ("Cooperatives newly supported", "Số hợp tác xã mới được hỗ trợ", True),
    "budget_spent_million_vnd": (
        "Programme budget spent (million VND)",
        "Kinh phí chương trình đã chi (triệu đồng)",
        True,
    ),
    "cooperative_groups": ("Cooperative groups in the pool", "Số tổ hợp tác", False),
    "dormant": ("Cooperatives stopped operating", "Số hợp tác xã ngừng hoạt động", False),
}

#: Published figures by their place in the region file -> (English, Vietnamese).
FIGURE_LABELS: dict[str, tuple[str, str]] = {
    "total": ("Cooperatives at year end", "Số hợp tác xã cuối năm"),
    "members": ("Members of cooperatives", "Số thành viên hợp tác xã"),
    "cooperative_groups": ("Cooperative groups (tổ hợp tác)", "Số tổ hợp tác"),
    "unions": ("Cooperative unions", "Số liên hiệp hợp tác xã"),
    "well_operating_share": ("Share operating well", "Tỷ lệ hợp tác xã hoạt động hiệu quả"),
    "weak_share": ("Share classified weak", "Tỷ lệ hợp tác xã xếp loại yếu"),
    "founded": ("Founded during the year", "Thành lập mới trong năm"),
    "dissolved": ("Dissolved during the year", "Giải thể trong năm"),
    "net_change": ("Net change during the year", "Tăng ròng trong năm"),
    "classes": ("Classified {name}", "Xếp loại {name}"),
}

UNITS: dict[str, tuple[str, str]] = {
    "cooperatives": ("Cooperatives", "Hợp tác xã"),
    "cooperatives per year": ("Cooperatives per year", "Hợp tác xã mỗi năm"),
    "members": ("Members", "Thành viên"),
    "million VND": ("Million VND", "Triệu đồng"),
    "groups": ("Groups", "Tổ hợp tác"),
    "share": ("Share", "Tỷ lệ"),
}

CLASS_NAMES: dict[str, tuple[str, str]] = {
    "good": ("good", "tốt"),
    "fair": ("fair", "khá"),
    "average": ("average", "trung bình"),
    "weak": ("weak", "yếu"),
    "unclassified": ("unclassified", "chưa phân loại"),
}

POLICY_GROUPS: dict[str, tuple[str, str]] = {
    "land": ("Land", "Đất đai"),
    "credit": ("Credit", "Tín dụng"),
    "science_technology": ("Science and technology", "Khoa học và công nghệ"),
    "training": ("Training and human resources", "Đào tạo, bồi dưỡng nguồn nhân lực"),
    "trade_promotion": (
        "Trade promotion and market access",
        "Xúc tiến thương mại, mở rộng thị trường",
    ),
    "infrastructure": ("Infrastructure", "Kết cấu hạ tầng"),
    "founding_support": ("Founding support", "Hỗ trợ thành lập mới"),
    "reorganisation": ("Reorganisation", "Tổ chức lại hợp tác xã"),
    "law_2023": ("Law on Cooperatives 2023", "Luật Hợp tác xã 2023"),
    "other": ("Other", "Khác"),
}
