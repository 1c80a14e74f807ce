"""Random but realistic content for Vietnamese administrative documents (Decree 30)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# (parent body, issuing body, issuer abbreviation for notations, place)
ISSUERS = [
    ("UBND TỈNH LẠNG SƠN", "SỞ NỘI VỤ", "SNV", "Lạng Sơn"),
    ("", "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "UBND", "Lạng Sơn"),
    ("BỘ TÀI CHÍNH", "TỔNG CỤC THUẾ", "TCT", "Hà Nội"),
    ("UBND THÀNH PHỐ HÀ NỘI", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "STNMT", "Hà Nội"),
    ("UBND TỈNH CAO BẰNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT", "Cao Bằng"),
    ("UBND HUYỆN CAO LỘC", "PHÒNG NỘI VỤ", "PNV", "Cao Lộc"),
    ("", "ỦY BAN NHÂN DÂN HUYỆN CHI LĂNG", "UBND", "Chi Lăng"),
    ("", "BỘ NỘI VỤ", "BNV", "Hà Nội"),
    ("UBND TỈNH QUẢNG NINH", "SỞ Y TẾ", "SYT", "Quảng Ninh"),
    ("UBND TỈNH THÁI NGUYÊN", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "STTTT", "Thái Nguyên"),
    ("UBND TỈNH BẮC GIANG", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "SKHĐT", "Bắc Giang"),
    ("", "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG", "UBND", "Đà Nẵng"),
]

# A body on no reference list: colleges and universities issue many real documents, and
# nothing but the page itself can confirm their names. Their body states the name again,
# in the case running text writes it in. (parent, issuer, abbreviation, place, as the body writes it)
COLLEGE = (
    "UBND TỈNH CAO BẰNG",
    "TRƯỜNG CAO ĐẲNG KỸ THUẬT MIỀN NÚI",
    "CĐKTMN",
    "Cao Bằng",
    "Trường Cao đẳng Kỹ thuật Miền Núi",
)

# (type name as printed in the heading, abbreviation); None = công văn
TYPES = [
    ("QUYẾT ĐỊNH", "QĐ"),
    ("KẾ HOẠCH", "KH"),
    ("THÔNG BÁO", "TB"),
    ("BÁO CÁO", "BC"),
    ("TỜ TRÌNH", "TTr"),
    ("HƯỚNG DẪN", "HD"),
    ("CHỈ THỊ", "CT"),
    ("QUY ĐỊNH", "QyĐ"),
    ("CHƯƠNG TRÌNH", "CTr"),
    ("GIẤY MỜI", "GM"),
    ("BIÊN BẢN", "BB"),
    ("NGHỊ QUYẾT", "NQ"),
    (None, None),
    (None, None),
    (None, None),
]
UNITS = ["VP", "TCCB", "KT", "NV", "TH", "KHTC", "VX"]

SUBJECTS = [
    "triển khai hệ thống quản lý văn bản và điều hành",
    "tăng cường công tác phòng, chống thiên tai năm 2025",
    "phê duyệt kế hoạch đào tạo, bồi dưỡng cán bộ, công chức",
    "kiện toàn Ban Chỉ đạo chuyển đổi số của tỉnh",
    "thực hiện chế độ báo cáo thống kê định kỳ",
    "tổ chức Hội nghị tổng kết công tác văn thư, lưu trữ",
    "đẩy mạnh cải cách thủ tục hành chính trên địa bàn",
    "giao chỉ tiêu tuyển sinh năm học 2025 - 2026",
    "quản lý, sử dụng chữ ký số chuyên dùng Chính phủ",
    "số hóa tài liệu lưu trữ tại các cơ quan, tổ chức",
    "kiểm tra công tác bảo vệ bí mật nhà nước năm 2025",
    "điều chỉnh dự toán ngân sách nhà nước năm 2025",
]

BODY = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
    "Căn cứ Thông tư số 01/2019/TT-BNV ngày 24 tháng 01 năm 2019 của Bộ Nội vụ;",
    "Theo đề nghị của Chánh Văn phòng và Trưởng phòng Tổ chức cán bộ.",
    "Để bảo đảm việc tiếp nhận, xử lý văn bản đến được kịp thời, chính xác và thống nhất, "
    "các cơ quan, đơn vị có trách nhiệm tổ chức thực hiện nghiêm túc các nội dung sau đây.",
    "Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm chỉ đạo việc cập nhật, số hóa văn bản "
    "đến vào hệ thống quản lý văn bản và điều hành ngay trong ngày làm việc.",
    "Văn thư cơ quan tiếp nhận, đăng ký văn bản đến, trình người có thẩm quyền cho ý kiến "
    "phân phối, chỉ đạo giải quyết và chuyển giao văn bản đến cho đơn vị xử lý.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị các cơ quan, đơn vị phản "
    "ánh kịp thời về Sở Nội vụ để tổng hợp, báo cáo Ủy ban nhân dân tỉnh xem xét, giải quyết.",
    "Giao Sở Thông tin và Truyền thông hướng dẫn, hỗ trợ kỹ thuật cho các cơ quan, đơn vị "
    "trong việc vận hành hệ thống, bảo đảm an toàn thông tin theo quy định.",
    "Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp hiện hành và "
    "các nguồn kinh phí hợp pháp khác theo quy định của pháp luật.",
    "Báo cáo kết quả thực hiện gửi về Ủy ban nhân dân tỉnh trước ngày 15 tháng 12 hằng năm "
    "để tổng hợp, báo cáo Thủ tướng Chính phủ theo quy định.",
    "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, Giám đốc các sở, ban, ngành "
    "và Chủ tịch Ủy ban nhân dân các huyện, thành phố chịu trách nhiệm thi hành.",
    "Cán bộ, công chức, viên chức có trách nhiệm giữ gìn, bảo quản hồ sơ, tài liệu và nộp "
    "lưu vào lưu trữ cơ quan đúng thời hạn quy định.",
    "Việc ứng dụng chữ ký số và chứng thư số chuyên dùng phải tuân thủ các quy định về "
    "giao dịch điện tử, bảo đảm giá trị pháp lý của văn bản điện tử.",
]

# A document cites only what was issued before it: in a year before a cited text's,
# it cites the text that stood then (Decree 110/2004 before Decree 30/2020; Circular
# 07/2012 before Circular 01/2019).
_EARLIER = {
    BODY[1]: (2020, "Căn cứ Nghị định số 110/2004/NĐ-CP ngày 08 tháng 4 năm 2004 của Chính phủ về công tác văn thư;"),
    BODY[2]: (2019, "Căn cứ Thông tư số 07/2012/TT-BNV ngày 22 tháng 11 năm 2012 của Bộ Nội vụ;"),
}


def _as_of(paragraph: str, year: int) -> str:
    since, earlier = _EARLIER.get(paragraph, (0, paragraph))
    return earlier if year < since else paragraph


NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Minh Châu",
    "Phạm Quốc Dũng",
    "Hoàng Thị Hà",
    "Vũ Đức Thắng",
    "Đặng Thu Trang",
    "Bùi Xuân Trường",
    "Đỗ Thị Hồng Nhung",
    "Ngô Quang Huy",
]

# (signing authority line or "", title line(s))
SIGNING = [
    ("TM. ỦY BAN NHÂN DÂN", ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]),
    ("TM. ỦY BAN NHÂN DÂN", ["CHỦ TỊCH"]),
    ("", ["GIÁM ĐỐC"]),
    ("", ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]),
    ("", ["TL. GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"]),
    ("", ["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG"]),
]
RECIPIENTS = [
    "Như Điều 3;",
    "Bộ Nội vụ;",
    "Thường trực Tỉnh ủy;",
    "Chủ tịch, các PCT UBND tỉnh;",
    "Các sở, ban, ngành;",
    "UBND các huyện, thành phố;",
    "Cổng thông tin điện tử tỉnh;",
]
SECRECY = ["MẬT", "TỐI MẬT", "TUYỆT MẬT"]
URGENCY = ["KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"]


@dataclass
class Document:
    parent: str
    issuer: str
    place: str
    number: int
    notation: str  # everything after "Số: ", e.g. "05/QĐ-UBND"
    day: int
    month: int
    year: int
    type_heading: str | None  # None = công văn
    subject: str
    body: list[str]
    signing_authority: str
    signer_titles: list[str]
    signer: str
    recipients: list[str]
    addressees: list[str] = field(default_factory=list)
    secrecy: str | None = None
    handwritten: bool = False  # the number and day left blank in print and written by pen
    urgency: str | None = None

    @property
    def date_line(self) -> str:
        # Decree 30: days < 10 and months 1-2 take a leading zero.
        month = f"{self.month:02d}" if self.month < 3 else str(self.month)
        return f"{self.place}, ngày {self.day:02d} tháng {month} năm {self.year}"

    def truth(self) -> dict:
        """Ground-truth fields, keyed and formatted as the extraction issue fixes them."""
        signing_prefix = next(
            (
                p
                for p in ("TM.", "KT.", "TL.", "TUQ.", "Q.")
                if (self.signing_authority or self.signer_titles[0]).startswith(p)
            ),
            None,
        )
        return {
            "so_ky_hieu": self.notation,
            "number": self.number,
            "date": f"{self.year:04d}-{self.month:02d}-{self.day:02d}",
            "place": self.place,
            "issuer": self.issuer,
            "parent_issuer": self.parent or None,
            "type": self.type_heading.capitalize() if self.type_heading else "Công văn",
            "subject": self.subject,
            "signer": self.signer,
            "signer_title": self.signer_titles[-1],
            "signing_authority": signing_prefix,
            "secrecy": self.secrecy,
            "urgency": self.urgency,
            "recipients": [r.rstrip(" ;.") for r in self.recipients],
        }


def random_document(rng: random.Random, paragraphs: int | None = None) -> Document:
    parent, issuer, issuer_abbr, place = rng.choice(ISSUERS)
    type_heading, type_abbr = rng.choice(TYPES)
    number = rng.randint(1, 999)
    college = number % 6 == 5  # one in six; decided without a draw, so the others stay as they were
    if college:
        parent, issuer, issuer_abbr, place = COLLEGE[:4]
    year = rng.randint(2015, 2025)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    num = f"{number:02d}"
    if type_abbr is None:
        notation = f"{num}/{issuer_abbr}-{rng.choice(UNITS)}"
    elif type_abbr in ("QĐ", "NQ", "CT") and rng.random() < 0.3:
        notation = f"{num}/{year}/{type_abbr}-{issuer_abbr}"  # normative: year inserted
    else:
        notation = f"{num}/{type_abbr}-{issuer_abbr}"
    n = paragraphs if paragraphs is not None else rng.randint(3, 6)
    body = [_as_of(p, year) for p in rng.sample(BODY[:4], 2)] + rng.sample(BODY[4:], min(n, len(BODY) - 4))
    if college:
        body.append(f"{COLLEGE[4]} đề nghị các đơn vị, cá nhân liên quan nghiêm túc thực hiện.")
    authority, titles = rng.choice(SIGNING)
    r = rng.random()
    secrecy = rng.choice(SECRECY) if r < 0.12 else None
    urgency = rng.choice(URGENCY) if 0.12 <= r < 0.3 else None
    return Document(
        parent=parent,
        issuer=issuer,
        place=place,
        number=number,
        notation=notation,
        day=day,
        month=month,
        year=year,
        type_heading=type_heading,
        subject=rng.choice(SUBJECTS),
        body=body,
        signing_authority=authority,
        signer_titles=titles,
        signer=rng.choice(NAMES),
        recipients=rng.sample(RECIPIENTS, 3),
        addressees=["Các sở, ban, ngành tỉnh;", "UBND các huyện, thành phố."] if type_heading is None else [],
        secrecy=secrecy,
        urgency=urgency,
    )
