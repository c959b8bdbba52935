// Every user-facing string, one catalogue per language. zh-CN first.
const zh = {
  dashboard: '统计', tab_dashboard: '统计', print_cards: '打印联系卡', st_households: '住户', st_linked: '已联系',
  st_visits: '本月走访', st_overdue: '逾期未访', st_on_time: '按时办结', st_reply: '24小时答复', st_satisfied: '满意率',
  st_over_capacity: '超10户党员', st_visits_by_week: '每周走访', st_requests_by_bag: '五色袋诉求', st_on_time_by_unit: '各网格按时办结率',
  app: '党员联系户', loading: '正在加载…', offline: '网络不可用', stale: '离线数据，更新于 {time}',
  retry: '重试', save: '保存', send: '发送', cancel: '取消', discard: '丢弃', back: '返回', none: '暂无',
  login: '登录', logout: '退出登录', username: '用户名', password: '密码', login_failed: '登录失败',
  change_password: '修改初始密码', current_password: '当前密码', new_password: '新密码（至少 8 位）',
  password_changed: '密码已修改', bind: '绑定我家', bind_title: '用联系卡绑定我家', card_code: '联系卡编码',
  name: '姓名', phone: '手机号', bind_hint: '编码印在网格服务联系卡上', have_account: '已有账号？去登录',
  no_account: '居民首次使用？用联系卡绑定', install: '安装到桌面',
  tab_households: '联系户', tab_requests: '诉求', tab_diary: '日志', tab_members: '党员', tab_board: '派单',
  tab_assign: '分配', tab_overdue: '逾期', tab_dept: '吹哨', tab_home: '我家', tab_inbox: '消息', tab_settings: '设置',
  my_households: '我联系的住户', overdue_days: '逾期 {n} 天', due_on: '{date} 前走访', due_soon: '即将到期',
  never_visited: '尚未走访', last_visit: '上次走访 {date}', visit: '走访', log_visit: '记录走访',
  kind: '类型', notes: '民情日志', notes_ph: '了解到的情况、办理的事…', concerns: '发现的问题',
  visit_saved: '走访已记录', queued: '已保存，联网后自动发送', waiting: '待发送 {n} 条', failed_items: '发送失败',
  household: '住户', head: '户主', address: '地址', call: '拨打', tags: '重点人群', recent_visits: '最近走访',
  open_requests: '在办诉求', errand: '代办', new_errand: '为该户代办', requests: '诉求', my_requests: '我的诉求',
  assigned_to_me: '派给我的', accept: '接单', decline: '退回', resolve: '办结', resolve_note: '办理情况',
  escalate: '吹哨', acknowledge: '报到', hand_back: '退回', dispatch: '派单', pick_member: '选择党员',
  dispatched: '已派单', rate: '评价', rate_title: '对办理结果打分', comment: '评价（选填）', thanks: '感谢您的评价',
  timeline: '办理进度', diary: '工作日志', visits_n: '{n} 次走访', members: '我联系的党员',
  households_n: '{n} 户', visits_month: '本月走访 {n}', overdue_n: '逾期 {n} 户', board: '待派单',
  unlinked: '未分配住户', over_capacity: '超过 10 户的党员', assign_to: '分配给', assign: '分配 {n} 户',
  assigned: '已分配', overdue_households: '逾期未走访', overdue_requests: '超期诉求', escalated: '吹哨到本部门',
  my_home: '我家', my_member: '我的联系党员', new_request: '我要点单', bag: '选择类别', title_field: '标题',
  description: '描述（选填）', request_sent: '诉求已提交', inbox: '消息', mark_all_read: '全部已读',
  settings: '设置', language: '语言', notifications: '通知提醒', quiet_hours: '免打扰时段', push_on: '已开启',
  push_off: '已关闭', push_unsupported: '此浏览器不支持推送', push_denied: '通知权限被拒绝，请在系统设置中开启',
  logout_confirm: '还有 {n} 条未发送，退出将丢弃。确定退出？', saved: '已保存', empty: '暂无内容',
  status_submitted: '待派单', status_dispatched: '已派单', status_in_progress: '办理中', status_escalated: '已吹哨',
  status_resolved: '已办结', status_closed: '已评价', due: '时限 {date}', overdue: '已超期', note: '备注',
  dept_pick: '选择部门', required: '必填', from_member: '党员', unread: '{n} 条未读', visits_today: '今天',
  cat_suggestion: '建议', cat_complaint: '吐槽', cat_wish: '心愿', cat_publicity: '宣传', cat_service: '服务',
  kind_regular: '走访', kind_night: '民情夜访', kind_follow_up: '回访',
  tag_elderly_alone: '独居老人', tag_empty_nest: '空巢老人', tag_left_behind_child: '留守儿童',
  tag_disabled: '残障人士', tag_hardship: '困难家庭', tag_veteran: '退役军人',
  c_employment: '就业', c_medical: '医疗', c_elderly_care: '养老', c_housing: '住房', c_dispute: '矛盾纠纷',
  c_environment: '环境', c_safety: '安全', c_education: '教育', c_social_security: '社保', c_other: '其他',
  a_create: '提交', a_dispatch: '派单', a_accept: '接单', a_decline: '退回', a_escalate: '吹哨',
  a_acknowledge: '部门报到', a_hand_back: '部门退回', a_resolve: '办结', a_rate: '评价', a_close_stale: '自动办结',
};

const en = {
  dashboard: 'Dashboard', tab_dashboard: 'Stats', print_cards: 'Print contact cards', st_households: 'Households',
  st_linked: 'Linked', st_visits: 'Visits this month', st_overdue: 'Overdue', st_on_time: 'On time', st_reply: 'Answered in 24 h',
  st_satisfied: 'Satisfied', st_over_capacity: 'Members over 10', st_visits_by_week: 'Visits by week',
  st_requests_by_bag: 'Requests by bag', st_on_time_by_unit: 'On-time share by unit',
  app: 'Household Linkage', loading: 'Loading…', offline: 'No network', stale: 'Offline data from {time}',
  retry: 'Retry', save: 'Save', send: 'Send', cancel: 'Cancel', discard: 'Discard', back: 'Back', none: 'None',
  login: 'Log in', logout: 'Log out', username: 'Username', password: 'Password', login_failed: 'Login failed',
  change_password: 'Change your initial password', current_password: 'Current password',
  new_password: 'New password (8+ characters)', password_changed: 'Password changed', bind: 'Bind my household',
  bind_title: 'Bind with the contact card', card_code: 'Card code', name: 'Name', phone: 'Mobile number',
  bind_hint: 'The code is printed on the grid contact card', have_account: 'Have an account? Log in',
  no_account: 'First time as a resident? Bind with your card', install: 'Install',
  tab_households: 'Households', tab_requests: 'Requests', tab_diary: 'Diary', tab_members: 'Members',
  tab_board: 'Dispatch', tab_assign: 'Assign', tab_overdue: 'Overdue', tab_dept: 'Escalated', tab_home: 'Home',
  tab_inbox: 'Inbox', tab_settings: 'Settings',
  my_households: 'My households', overdue_days: '{n} days overdue', due_on: 'Visit by {date}', due_soon: 'Due soon',
  never_visited: 'Never visited', last_visit: 'Last visit {date}', visit: 'Visit', log_visit: 'Log a visit',
  kind: 'Kind', notes: 'Notes', notes_ph: 'What you learned, what you did…', concerns: 'Concerns found',
  visit_saved: 'Visit logged', queued: 'Saved; it will be sent when online', waiting: '{n} waiting',
  failed_items: 'Not sent', household: 'Household', head: 'Head', address: 'Address', call: 'Call',
  tags: 'Groups', recent_visits: 'Recent visits', open_requests: 'Open requests', errand: 'Errand',
  new_errand: 'Errand for this household', requests: 'Requests', my_requests: 'My requests',
  assigned_to_me: 'Assigned to me', accept: 'Accept', decline: 'Decline', resolve: 'Resolve',
  resolve_note: 'What was done', escalate: 'Escalate', acknowledge: 'Acknowledge', hand_back: 'Hand back',
  dispatch: 'Dispatch', pick_member: 'Pick a member', dispatched: 'Dispatched', rate: 'Rate',
  rate_title: 'Rate the result', comment: 'Comment (optional)', thanks: 'Thank you for rating',
  timeline: 'Timeline', diary: 'Work diary', visits_n: '{n} visits', members: 'My members',
  households_n: '{n} households', visits_month: '{n} visits this month', overdue_n: '{n} overdue',
  board: 'Dispatch board', unlinked: 'Unassigned households', over_capacity: 'Members over 10 households',
  assign_to: 'Assign to', assign: 'Assign {n}', assigned: 'Assigned', overdue_households: 'Overdue visits',
  overdue_requests: 'Requests past due', escalated: 'Escalated to us', my_home: 'My household',
  my_member: 'My linked member', new_request: 'New request', bag: 'Pick a bag', title_field: 'Title',
  description: 'Description (optional)', request_sent: 'Request sent', inbox: 'Inbox', mark_all_read: 'Mark all read',
  settings: 'Settings', language: 'Language', notifications: 'Notifications', quiet_hours: 'Quiet hours',
  push_on: 'On', push_off: 'Off', push_unsupported: 'This browser cannot receive push',
  push_denied: 'Notifications are blocked; allow them in the system settings',
  logout_confirm: '{n} items are not sent and will be lost. Log out?', saved: 'Saved', empty: 'Nothing here',
  status_submitted: 'Submitted', status_dispatched: 'Dispatched', status_in_progress: 'In progress',
  status_escalated: 'Escalated', status_resolved: 'Resolved', status_closed: 'Closed', due: 'Due {date}',
  overdue: 'Overdue', note: 'Note', dept_pick: 'Pick a department', required: 'Required', from_member: 'Member',
  unread: '{n} unread', visits_today: 'Today',
  cat_suggestion: 'Suggestion', cat_complaint: 'Complaint', cat_wish: 'Wish', cat_publicity: 'Publicity',
  cat_service: 'Service', kind_regular: 'Visit', kind_night: 'Night visit', kind_follow_up: 'Follow-up',
  tag_elderly_alone: 'Elderly alone', tag_empty_nest: 'Empty nest', tag_left_behind_child: 'Left-behind child',
  tag_disabled: 'Disabled', tag_hardship: 'Hardship', tag_veteran: 'Veteran',
  c_employment: 'Employment', c_medical: 'Medical', c_elderly_care: 'Elderly care', c_housing: 'Housing',
  c_dispute: 'Dispute', c_environment: 'Environment', c_safety: 'Safety', c_education: 'Education',
  c_social_security: 'Social security', c_other: 'Other',
  a_create: 'Filed', a_dispatch: 'Dispatched', a_accept: 'Accepted', a_decline: 'Declined', a_escalate: 'Escalated',
  a_acknowledge: 'Department on it', a_hand_back: 'Handed back', a_resolve: 'Resolved', a_rate: 'Rated',
  a_close_stale: 'Closed unrated',
};

export const CATALOGUES = { 'zh-CN': zh, en };
let current = 'zh-CN';

export function setLocale(l) {
  current = CATALOGUES[l] ? l : 'zh-CN';
  if (typeof document !== 'undefined') document.documentElement.lang = current;
}
export const locale = () => current;

export function t(key, vars) {
  const s = CATALOGUES[current][key] ?? zh[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '') : s;
}

export function fmtDate(iso, withTime = false) {
  if (!iso) return '';
  const d = new Date(iso);
  const opts = withTime ? { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }
    : { month: 'numeric', day: 'numeric' };
  return d.toLocaleString(current, opts);
}
