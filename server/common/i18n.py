"""Messages in zh-CN (default) and English.

Message ids are the English text (as gettext does), so marshmallow's own
messages and ours go through the same catalogue. ``translate`` picks the
language from ``Accept-Language``; Chinese is the default.
"""
import re

from flask import has_request_context, request

SUPPORTED = ("zh-CN", "en")

# English message id -> Chinese. Placeholders in braces are filled after translation.
ZH = {
    # HTTP-level
    "Malformed JSON body.": "请求体不是有效的 JSON。",
    "Invalid JSON body.": "请求体不是有效的 JSON。",
    "Authentication required.": "请先登录。",
    "Your session has expired or was ended. Please log in again.": "登录已过期或已退出，请重新登录。",
    "Invalid token.": "登录凭证无效，请重新登录。",
    "You are not allowed to do this.": "您没有权限执行此操作。",
    "Not found, or not visible to you.": "未找到，或您无权查看。",
    "Method not allowed.": "不支持该请求方法。",
    "Conflict.": "操作冲突。",
    "The input is not valid.": "输入有误，请检查后重试。",
    "Too many attempts. Try again in {seconds} seconds.": "尝试次数过多，请 {seconds} 秒后再试。",
    "The request body is too large.": "请求内容过大。",
    "Internal error. It has been logged; please try again later.": "服务器内部错误，已记录，请稍后重试。",
    "Bad request.": "请求有误。",
    "Unsupported media type.": "不支持的内容类型。",
    # auth
    "Wrong username or password.": "用户名或密码错误。",
    "This account is disabled.": "该账号已停用。",
    "Please change your initial password first.": "请先修改初始密码。",
    "The current password is wrong.": "当前密码错误。",
    "The new password must differ from the current one.": "新密码不能与当前密码相同。",
    "At least 8 characters, not only digits.": "密码至少 8 位，且不能全是数字。",
    "This card code is not valid.": "联系卡编码无效。",
    "This phone number is already registered. Please log in.": "该手机号已注册，请直接登录。",
    "This household already has the most residents allowed.": "该户已绑定的居民数已达上限。",
    "Not a valid mainland China mobile number.": "不是有效的手机号码。",
    "This username is taken.": "该用户名已被使用。",
    "Unknown role.": "未知角色。",
    # org
    "A {child} cannot be placed under a {parent}.": "{child}不能设在{parent}之下。",
    "The top unit can only be created by an admin of the whole tree.": "只有最高层级的管理员可以新建顶级组织。",
    "This unit still has units, members or households under it.": "该组织下仍有下级组织、党员或住户，不能删除。",
    "Unknown org unit.": "组织不存在。",
    "Members belong to a grid or micro-grid.": "党员须归属网格或微网格。",
    "Households belong to a micro-grid.": "住户须归属微网格。",
    "Unknown department.": "部门不存在。",
    # households / members / links
    "Unknown tag.": "未知标签。",
    "This household number is already used in this micro-grid.": "该微网格中已有相同户号。",
    "This card code is already in use.": "该联系卡编码已被使用。",
    "Unknown member.": "党员不存在。",
    "Unknown household.": "住户不存在。",
    "This household is already linked to another member. Send \"replace\": true to move it.":
        "该户已由其他党员联系。如需改派，请传 \"replace\": true。",
    "This household is already linked to this member.": "该户已由此党员联系。",
    "This member already has a leader. Send \"replace\": true to change it.":
        "该党员已有联系骨干。如需更换，请传 \"replace\": true。",
    "This member is already linked to this leader.": "该党员已由此骨干联系。",
    "A member cannot be their own leader.": "党员不能联系自己。",
    "This member is not a leader.": "该党员不是党小组长/骨干。",
    "This link has already ended.": "该联系关系已结束。",
    "The same household appears more than once.": "同一住户出现了多次。",
    "Some rows are not valid; nothing was saved.": "部分行有误，未保存任何数据。",
    "The member and the household must be in the same branch.": "党员与住户须属于同一党组织范围。",
    "This member is inactive.": "该党员已停用。",
    # visits
    "The visit time cannot be in the future.": "走访时间不能晚于现在。",
    "Visits older than 30 days cannot be logged.": "不能补录 30 天以前的走访。",
    "Only the author can correct a visit.": "只有记录人可以修改走访记录。",
    "A visit can only be corrected within 24 hours.": "走访记录只能在 24 小时内修改。",
    "The start of the period is after its end.": "开始时间晚于结束时间。",
    "Only an admin of the whole tree can change visit policies.": "只有最高层级的管理员可以修改走访频次。",
    "The default policy cannot be removed.": "默认走访频次不能删除。",
    "This Idempotency-Key was already used with a different request.": "该 Idempotency-Key 已用于另一个不同的请求。",
    "Not a valid datetime.": "不是有效的时间（ISO 8601）。",
    # requests
    "Unknown service item.": "便民服务事项不存在。",
    "This source is not open to you.": "您不能以此来源提交诉求。",
    "A hotline request needs its ticket number.": "热线诉求须填写工单号。",
    "Only hotline requests carry a ticket number.": "只有热线诉求才有工单号。",
    "This hotline ticket is already registered.": "该热线工单已登记。",
    "This request cannot be moved that way now.": "该诉求当前状态下不能进行此操作。",
    "Please say what was done or why.": "请填写办理情况或原因。",
    "Requests are dispatched to an active member of the same branch.": "只能派单给本支部在册的党员。",
    "This request was changed by someone else. Reload and try again.": "该诉求已被他人处理，请刷新后重试。",
    "A service item with this name exists.": "已有同名的便民服务事项。",
    # push
    "A push endpoint must be an https URL.": "推送地址必须是 https 地址。",
    "Not a valid URL.": "不是有效的网址。",
    "Only an admin of the whole tree can change the weights.": "只有最高层级的管理员可以修改先锋指数权重。",
    # import / export
    "The file is larger than 20 MB.": "文件超过 20 MB。",
    "This is not an XLSX or CSV file.": "文件不是 XLSX 或 CSV 格式。",
    "The file has no data rows.": "文件中没有数据行。",
    "The export would hold {rows} rows, more than {max} allowed. Choose a shorter period or a smaller unit.":
        "导出结果有 {rows} 行，超过上限 {max} 行。请缩短时间段或选择更小的单位。",
    "This column is missing.": "缺少此列。",
    "Unknown micro-grid.": "微网格不存在或不在您的管理范围内。",
    "Several micro-grids have this name.": "有多个同名微网格，请改用唯一的名称。",
    "At most 500 cards at a time.": "每次最多打印 500 张。",
    "Unknown org unit.": "单位不存在或不在您的管理范围内。",
    "Several units have this name: write its path, e.g. 幸福社区/第一网格.": "有多个同名单位，请写出路径，如 幸福社区/第一网格。",
    "A unit's name cannot hold a slash.": "单位名称不能含有斜杠 /。",
    "Unknown level.": "层级不正确（街道、社区、网格、微网格）。",
    "Only an admin of the whole tree can add a unit at the top.": "只有全县（区）管理员可以新增顶级单位，请填写上级。",
    "The same unit appears more than once.": "同一单位出现了多次。",
    "This unit exists with another level.": "该单位已存在，但层级不同。",
    "The same username appears more than once.": "同一用户名出现了多次。",
    "This username belongs to an account that is not a member here.": "该用户名已被其他账号使用（不是本辖区的党员）。",
    "Not a leader: mark them 党小组长=是 or choose a leader.": "该用户不是党小组长，请在其行标明 党小组长=是。",
    "Write 是 or 否.": "请填写 是 或 否。",
    # marshmallow defaults
    "Missing data for required field.": "缺少必填字段。",
    "Unknown field.": "未知字段。",
    "Field may not be null.": "不能为空。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid string.": "不是有效的字符串。",
    "Not a valid boolean.": "不是有效的布尔值。",
    "Not a valid number.": "不是有效的数字。",
    "Not a valid list.": "不是有效的列表。",
    "Not a valid date.": "不是有效的日期。",
    "Not a valid email address.": "不是有效的邮箱地址。",
    "Not a valid mapping type.": "不是有效的对象。",
    "Invalid input type.": "输入类型无效。",
    "Invalid value.": "取值无效。",
    "Shorter than minimum length {min}.": "长度不能少于 {min}。",
    "Longer than maximum length {max}.": "长度不能超过 {max}。",
    "Length must be between {min} and {max}.": "长度须在 {min} 到 {max} 之间。",
    "Must be greater than or equal to {min}.": "须大于或等于 {min}。",
    "Must be less than or equal to {max}.": "须小于或等于 {max}。",
    "Must be greater than or equal to {min} and less than or equal to {max}.": "须在 {min} 到 {max} 之间。",
    "Must be one of: {choices}.": "须为以下之一：{choices}。",
    "String does not match expected pattern.": "格式不正确。",
    "Invalid {field}.": "{field} 无效。",
    "Not a valid aware datetime.": "时间须带时区（ISO 8601）。",
    "Number too large.": "数值过大。",
    "Special numeric values (nan or infinity) are not permitted.": "不允许 NaN 或无穷大。",
    "Invalid type.": "类型无效。",
    "Not a valid utf-8 string.": "不是有效的 UTF-8 字符串。",
}

# marshmallow formats some messages before we see them; these patterns map the
# formatted English back to a message id and its parameters.
_PATTERNS = [
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), "Shorter than minimum length {min}."),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), "Longer than maximum length {max}."),
    (re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"), "Length must be between {min} and {max}."),
    (re.compile(r"^Must be greater than or equal to (?P<min>[-\d.]+) and less than or equal to (?P<max>[-\d.]+)\.$"),
     "Must be greater than or equal to {min} and less than or equal to {max}."),
    (re.compile(r"^Must be greater than or equal to (?P<min>[-\d.]+)\.$"), "Must be greater than or equal to {min}."),
    (re.compile(r"^Must be less than or equal to (?P<max>[-\d.]+)\.$"), "Must be less than or equal to {max}."),
    (re.compile(r"^Must be one of: (?P<choices>.*)\.$"), "Must be one of: {choices}."),
    (re.compile(r"^A (?P<child>.+) cannot be placed under a (?P<parent>.+)\.$"), "A {child} cannot be placed under a {parent}."),
]


def current_locale() -> str:
    """The caller's language: English when Accept-Language prefers it, else zh-CN."""
    if not has_request_context():
        return "zh-CN"
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh-CN"


def translate(message: str, locale: str | None = None, **params) -> str:
    """Translate an English message id (with ``params``) into the caller's language."""
    locale = locale or current_locale()
    msgid, found = message, {}
    if message not in ZH:
        for pattern, pid in _PATTERNS:
            m = pattern.match(message)
            if m:
                msgid, found = pid, m.groupdict()
                break
    values = {**found, **params}
    text = ZH.get(msgid, msgid) if locale == "zh-CN" else msgid
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def translate_errors(errors, locale: str | None = None, **params):
    """Translate every message in a (nested) marshmallow error structure."""
    locale = locale or current_locale()
    if isinstance(errors, dict):
        return {k: translate_errors(v, locale, **params) for k, v in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [translate_errors(v, locale, **params) for v in errors]
    if isinstance(errors, str):
        return translate(errors, locale, **params)
    return errors
