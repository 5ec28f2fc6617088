// Errors a person can read: the API's stable ``code`` translated (zh/en), with the field it
// concerns. ``detail`` (English, for logs) is shown only for a code this page does not know yet.
import { addTranslations, getLang, hasText, t } from './i18n.js';

addTranslations({
  en: {
    err_field: '{field}: {message}',
    err_network_error: 'The server could not be reached. Check the connection and try again.',
    err_bad_request: 'The request was not understood: {detail}',
    err_not_authenticated: 'Your sign-in has ended. Please sign in again.',
    err_forbidden: 'Not allowed: {detail}',
    err_not_found: 'Not found (or not in your organization).',
    err_no_reference: 'This item has no template (reference) image.',
    err_method_not_allowed: 'This action is not available here.',
    err_conflict: 'This conflicts with the current state: {detail}',
    err_gone: 'This is no longer available.',
    err_too_large: 'Too large: {detail}',
    err_invalid_input: 'Some input is not valid.',
    err_too_many_attempts: 'Too many attempts. Wait a moment and try again.',
    err_unavailable: 'The service is busy or restarting. Try again in a few seconds.',
    err_item_state_conflict: 'The item has moved on: {detail}',
    err_paused_low_gold_accuracy: 'You are paused on this project: your gold accuracy is below the project minimum.',
    err_paused_low_review_accuracy: 'You are paused on this project: your review accuracy is below the project minimum.',
    err_paused_by_manager: 'A manager has paused you on this project.',
    err_filter_not_allowed: 'Annotators are shown to you by pseudonym, so items cannot be filtered by annotator.',
    err_not_on_project: 'This project is limited to named annotators and teams, and you are not one of them.',
    err_invite_used: 'This invitation has been used already.',
    err_invite_expired: 'This invitation has expired. Ask for a new one.',
    err_label_in_use: 'The labels you remove are used by {count} annotations, {gold} gold answers and {prelabels} prelabels; rename the label instead, or choose where their answers go.',
    err_label_exists: 'There is a label with this name already. To merge the two, remove one and map its answers into the other.',
    err_item_final: 'The item is settled (reviewed, accepted or gold); the answer can no longer be changed.',
    err_already_submitted: 'You submitted a different answer already; change it from “My recent submissions” instead.',
    err_already_judged: 'This item was judged already ({decision}); your second verdict was not stored.',
    err_item_kind_mismatch: 'This file does not fit this project\u2019s kind.',
    err_period_paid: 'That period overlaps one that has been paid already.',
    err_lot_decided: 'This lot has been decided already.',
    err_last_owner: 'An organization needs at least one owner.',
    err_invite_revoked: 'This invitation was withdrawn. Ask for a new one.',
    err_invite_other_email: 'This invitation is for another e-mail address.',
    err_already_member: 'You are already a member of this organization.',
    err_email_taken: 'An account with this e-mail exists already. Sign in instead.',
    err_signup_disabled: 'Self sign-up is switched off. Ask your manager for an invitation link.',
    err_wrong_password: 'The current password is not right.',
    err_same_password: 'The new password must differ from the current one.',
    err_team_name_taken: 'A team with this name exists already.',
    err_own_password: 'Change your own password on the password page.',
    err_member_of_other_orgs: 'This person belongs to another organization too; they must change their password themselves.',
    err_field_nth: '{field} #{n}',
    err_needs_role: 'Not allowed: this needs the role {roles}.',
    err_needs_roles: 'Not allowed: this needs one of the roles {roles}.',
    // 422 field errors by pydantic ``type`` (ctx values fill the braces)
    err_type_missing: 'required',
    err_type_string_too_short: 'must have at least {min_length} characters',
    err_type_string_too_long: 'must have at most {max_length} characters',
    err_type_string_type: 'must be text',
    err_type_string_pattern_mismatch: 'is not in the expected format',
    err_type_too_short: 'must have at least {min_length} entries',
    err_type_too_long: 'must have at most {max_length} entries',
    err_type_greater_than: 'must be greater than {gt}',
    err_type_greater_than_equal: 'must be {ge} or more',
    err_type_less_than: 'must be less than {lt}',
    err_type_less_than_equal: 'must be {le} or less',
    err_type_multiple_of: 'must be a multiple of {multiple_of}',
    err_type_int_parsing: 'must be a whole number',
    err_type_int_type: 'must be a whole number',
    err_type_int_from_float: 'must be a whole number',
    err_type_float_parsing: 'must be a number',
    err_type_float_type: 'must be a number',
    err_type_decimal_parsing: 'must be a number',
    err_type_decimal_type: 'must be a number',
    err_type_finite_number: 'must be a finite number',
    err_type_decimal_max_places: 'at most {decimal_places} decimals',
    err_type_date_parsing: 'must be a date (YYYY-MM-DD)',
    err_type_date_type: 'must be a date (YYYY-MM-DD)',
    err_type_date_from_datetime_parsing: 'must be a date (YYYY-MM-DD)',
    err_type_date_from_datetime_inexact: 'must be a date without a time',
    err_type_datetime_parsing: 'must be a date and time',
    err_type_datetime_type: 'must be a date and time',
    err_type_datetime_from_date_parsing: 'must be a date and time',
    err_type_bool_parsing: 'must be yes or no',
    err_type_bool_type: 'must be yes or no',
    err_type_literal_error: 'must be one of {expected}',
    err_type_enum: 'must be one of {expected}',
    err_type_json_invalid: 'is not valid JSON',
    err_type_string_nul: 'contains a NUL character, which cannot be stored or searched',
    err_type_unknown_parameter: 'is not a parameter of this request (it reads: {known})',
    err_type_json_type: 'is not valid JSON',
    err_type_extra_forbidden: 'is not a field this form accepts',
    err_type_url_parsing: 'must be a web address (http:// or https://)',
    err_type_url_scheme: 'must start with http:// or https://',
    err_type_url_type: 'must be a web address',
    err_type_endpoint_address_not_allowed: '{host} is inside the server\u2019s own network (loopback, private or link-local); outside models are called on public addresses only unless the server\u2019s operator allows that network',
    err_type_value_error: '{message}',
    err_type_email_invalid: 'is not a valid e-mail address',
    err_type_too_large: 'too large: {message}',
    // our own validators (backend schemas): stable types
    err_type_max_overlap_below_overlap: 'must be at least the overlap ({overlap})',
    err_type_money_type: 'must be a decimal number such as 0.05',
    err_type_money_parsing: 'is not a number; write a decimal such as 0.05',
    err_type_money_not_finite: 'must be a finite number',
    err_type_money_negative: 'must not be negative',
    err_type_money_too_large: 'must be at most {max}',
    err_type_money_decimal_places: 'at most {decimal_places} decimals',
    err_type_split_sum: 'train + val + test must add up to 1',
    err_type_label_name_blank: 'a label name must not be blank',
    err_type_colour_format: 'a colour looks like #1a2b3c',
    err_type_label_names_not_unique: 'label names must be unique',
    err_type_label_hotkeys_not_unique: 'hotkeys must be unique',
    err_type_review_reason_blank: 'a reason must not be blank',
    err_type_review_reasons_not_unique: 'reasons must be unique',
  },
  zh: {
    err_field: '{field}：{message}',
    err_network_error: '无法连接服务器。请检查网络后重试。',
    err_bad_request: '请求无法识别：{detail}',
    err_not_authenticated: '登录已失效，请重新登录。',
    err_forbidden: '无权操作：{detail}',
    err_not_found: '未找到（或不属于你的组织）。',
    err_no_reference: '此条目没有模板（参考）图像。',
    err_method_not_allowed: '此处不支持该操作。',
    err_conflict: '与当前状态冲突：{detail}',
    err_gone: '该内容已不可用。',
    err_too_large: '内容过大：{detail}',
    err_invalid_input: '部分输入无效。',
    err_too_many_attempts: '尝试次数过多，请稍后再试。',
    err_unavailable: '服务繁忙或正在重启，请几秒后重试。',
    err_item_state_conflict: '条目状态已变化：{detail}',
    err_paused_low_gold_accuracy: '你在此项目中已被暂停：金标准准确率低于项目要求。',
    err_paused_low_review_accuracy: '你在此项目中已被暂停：质检正确率低于项目要求。',
    err_paused_by_manager: '管理员已暂停你在此项目的标注。',
    err_filter_not_allowed: '标注员对你以化名显示，因此不能按标注员筛选条目。',
    err_not_on_project: '此项目只对指定的标注员和团队开放，你不在其中。',
    err_invite_used: '此邀请已被使用。',
    err_invite_expired: '此邀请已过期，请重新索取。',
    err_label_in_use: '要删除的标签被 {count} 条标注、{gold} 条金标准答案和 {prelabels} 条预标注使用；请改为改名，或选择这些答案归到哪里。',
    err_label_exists: '已有同名标签。要合并两个标签，请删除其中一个并把它的答案归入另一个。',
    err_item_final: '该条目已定稿（已质检、已验收或为金标准），答案不能再修改。',
    err_already_submitted: '你已提交过不同的答案；请在“我最近的提交”中修改。',
    err_already_judged: '此条已经判定过（{decision}），第二次判定未保存。',
    err_item_kind_mismatch: '该文件与项目类型不符。',
    err_period_paid: '该时间段与已结算的时间段重叠。',
    err_lot_decided: '该批次已判定。',
    err_last_owner: '组织至少需要一位所有者。',
    err_invite_revoked: '此邀请已被撤回，请重新索取。',
    err_invite_other_email: '此邀请是发给另一个邮箱的。',
    err_already_member: '你已经是该组织的成员。',
    err_email_taken: '该邮箱已有账号，请直接登录。',
    err_signup_disabled: '未开放自助注册，请向管理员索取邀请链接。',
    err_wrong_password: '当前密码不正确。',
    err_same_password: '新密码不能与当前密码相同。',
    err_team_name_taken: '已有同名团队。',
    err_own_password: '请在“修改密码”页面修改你自己的密码。',
    err_member_of_other_orgs: '此人同时属于其他组织，必须由本人修改密码。',
    err_field_nth: '{field}（第 {n} 项）',
    err_needs_role: '无权操作：需要{roles}角色。',
    err_needs_roles: '无权操作：需要以下角色之一：{roles}。',
    err_type_missing: '必填',
    err_type_string_too_short: '至少 {min_length} 个字符',
    err_type_string_too_long: '最多 {max_length} 个字符',
    err_type_string_type: '必须是文本',
    err_type_string_pattern_mismatch: '格式不正确',
    err_type_too_short: '至少 {min_length} 项',
    err_type_too_long: '最多 {max_length} 项',
    err_type_greater_than: '必须大于 {gt}',
    err_type_greater_than_equal: '不能小于 {ge}',
    err_type_less_than: '必须小于 {lt}',
    err_type_less_than_equal: '不能大于 {le}',
    err_type_multiple_of: '必须是 {multiple_of} 的倍数',
    err_type_int_parsing: '必须是整数',
    err_type_int_type: '必须是整数',
    err_type_int_from_float: '必须是整数',
    err_type_float_parsing: '必须是数字',
    err_type_float_type: '必须是数字',
    err_type_decimal_parsing: '必须是数字',
    err_type_decimal_type: '必须是数字',
    err_type_finite_number: '必须是有限的数字',
    err_type_decimal_max_places: '最多 {decimal_places} 位小数',
    err_type_date_parsing: '必须是日期（年-月-日）',
    err_type_date_type: '必须是日期（年-月-日）',
    err_type_date_from_datetime_parsing: '必须是日期（年-月-日）',
    err_type_date_from_datetime_inexact: '必须是不带时间的日期',
    err_type_datetime_parsing: '必须是日期和时间',
    err_type_datetime_type: '必须是日期和时间',
    err_type_datetime_from_date_parsing: '必须是日期和时间',
    err_type_bool_parsing: '必须是“是”或“否”',
    err_type_bool_type: '必须是“是”或“否”',
    err_type_literal_error: '必须是以下之一：{expected}',
    err_type_enum: '必须是以下之一：{expected}',
    err_type_json_invalid: '不是有效的 JSON',
    err_type_string_nul: '含有无法保存或搜索的 NUL 字符',
    err_type_unknown_parameter: '不是此请求的参数（可用参数：{known}）',
    err_type_json_type: '不是有效的 JSON',
    err_type_extra_forbidden: '不是此处可以提交的字段',
    err_type_url_parsing: '必须是网址（http:// 或 https://）',
    err_type_url_scheme: '必须以 http:// 或 https:// 开头',
    err_type_url_type: '必须是网址',
    err_type_endpoint_address_not_allowed: '{host} 属于服务器内部网络（本机、私有或链路本地地址）；外部模型只能是公网地址，除非服务器管理员允许该网络',
    err_type_value_error: '{message}',
    err_type_email_invalid: '不是有效的邮箱地址',
    err_type_too_large: '过大：{message}',
    err_type_max_overlap_below_overlap: '不能小于重叠数（{overlap}）',
    err_type_money_type: '必须是小数，例如 0.05',
    err_type_money_parsing: '不是数字，请填写小数，例如 0.05',
    err_type_money_not_finite: '必须是有限的数字',
    err_type_money_negative: '不能为负数',
    err_type_money_too_large: '不能超过 {max}',
    err_type_money_decimal_places: '最多 {decimal_places} 位小数',
    err_type_split_sum: '训练、验证、测试三者之和必须为 1',
    err_type_label_name_blank: '标签名不能为空',
    err_type_colour_format: '颜色格式应为 #1a2b3c',
    err_type_label_names_not_unique: '标签名不能重复',
    err_type_label_hotkeys_not_unique: '快捷键不能重复',
    err_type_review_reason_blank: '原因不能为空',
    err_type_review_reasons_not_unique: '原因不能重复',
  },
});

// FastAPI's 422 detail is a list of {loc, msg, type, ctx}; the field is loc without its
// 'body'/'query'/'path' head.
const pathOf = (entry) => (entry.loc || []).filter((p, i) => !(i === 0 && ['body', 'query', 'path'].includes(p)));
const fieldOf = (entry) => pathOf(entry).join('.');

// Field names of the API that several pages share, and the i18n key of their label. A page
// passes its own labels to ``describeError`` for the rest (they win over these).
const FIELD_KEYS = {
  from: 'period_from', to: 'period_to', split: 'split', 'split.train': 'split', 'split.val': 'split',
  'split.test': 'split', min_confidence: 'min_confidence', seed: 'seed', format: 'format',
  'pay.per_item': 'reward_per_item', labels: 'label_editor', 'labels.name': 'label_name',
  'labels.color': 'color', 'labels.hotkey': 'hotkey', 'model_endpoint.url': 'endpoint_url',
  'model_endpoint.timeout_s': 'endpoint_timeout',
};


function fieldLabel(entry, labels) {
  const path = pathOf(entry);
  const full = path.join('.');
  const named = path.filter((p) => typeof p !== 'number' && !/^\d+$/.test(String(p))).join('.');
  const own = typeof labels === 'function' ? (labels(full) ?? labels(named)) : (labels?.[full] ?? labels?.[named]);
  let label = own;
  if (label === undefined && FIELD_KEYS[named]) label = t(FIELD_KEYS[named]);
  if (label === undefined && named && hasText(named.replace(/\./g, '_'))) label = t(named.replace(/\./g, '_'));
  if (label === undefined) return full;
  const index = path.find((p) => typeof p === 'number' || /^\d+$/.test(String(p)));
  return index === undefined || own !== undefined ? label : t('err_field_nth', { field: label, n: Number(index) + 1 });
}

// A list in the reader's way: "a, b or c" / "a、b、c".
const joinList = (parts) => (getLang() === 'zh' ? parts.join('、')
  : parts.length > 1 ? `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}` : parts.join(''));
// pydantic's ctx.expected ("'a', 'b' or 'c'") as the reader's list.
const listText = (expected) => joinList(String(expected).split(/, | or /));

// One field error's message in the reader's language: by pydantic's ``type``, with its ``ctx``
// limits; our own validators' errors carry types of their own. An unknown type keeps the
// English ``msg``, without pydantic's "Value error, " head.
export function fieldMessage(entry) {
  const english = String(entry.msg ?? '').replace(/^(Value error|Assertion failed), /, '');
  const type = entry.type;
  if (!type || !hasText(`err_type_${type}`)) return english;
  const ctx = { ...(entry.ctx || {}) };
  if (ctx.expected !== undefined) ctx.expected = listText(ctx.expected);
  return t(`err_type_${type}`, { ...ctx, message: english });
}

function describeFields(detail, labels) {
  return detail.map((entry) => {
    const field = fieldLabel(entry, labels);
    const message = fieldMessage(entry);
    return field ? t('err_field', { field, message }) : message;
  }).join('; ');
}

const plain = (detail) => (typeof detail === 'string' ? detail : JSON.stringify(detail));

// The 403 of a role check (its body lists the ``roles`` that may) in the reader's words.
function neededRoles(body) {
  const names = Array.isArray(body?.roles) ? body.roles : null;
  if (!names || !names.length) return null;
  const roles = names.map((r) => (hasText(`role_${r}`) ? t(`role_${r}`) : r));
  return t(roles.length > 1 ? 'err_needs_roles' : 'err_needs_role', { roles: joinList(roles) });
}

// One readable line for an ApiError (or any Error). ``labels`` names the fields of the page's
// form: {'pay.per_item': t('reward_per_item')} or a function of the field path.
export function describeError(err, labels) {
  const detail = err && err.detail !== undefined ? err.detail : err && err.message;
  const code = err && err.code;
  // A 422 with a code of its own (wrong_password) says it in the reader's language.
  if (Array.isArray(detail) && !(code && code !== 'invalid_input' && hasText(`err_${code}`))) {
    return describeFields(detail, labels);
  }
  if (code === 'forbidden' || (err && err.status === 403)) {
    const roles = neededRoles(err.body);
    if (roles) return roles;
  }
  if (code && hasText(`err_${code}`)) {
    const params = { ...(err.body || {}), detail: plain(detail) };
    // a stored verdict (already_judged) in the reader's words, as the review page's buttons say it
    if (params.decision && hasText(`review_${params.decision}`)) params.decision = t(`review_${params.decision}`);
    return t(`err_${code}`, params);
  }
  return plain(detail ?? '');
}

// The fields a 422 names, for forms that mark the input they concern.
export function invalidFields(err) {
  return Array.isArray(err && err.detail) ? err.detail.map(fieldOf) : [];
}

// Mark the controls of the fields a 422 names (aria-invalid, focus on the first); ``controls``
// maps a field path to its input. Marks of an earlier answer are cleared first.
export function markInvalid(err, controls) {
  const all = Object.values(controls).filter(Boolean);
  for (const c of all) c.removeAttribute('aria-invalid');
  const named = (err ? invalidFields(err) : []).map((f) => controls[f] ?? controls[f.replace(/\.\d+(?=\.|$)/g, '')]).filter(Boolean);
  for (const c of named) c.setAttribute('aria-invalid', 'true');
  if (named[0]) named[0].focus({ preventScroll: false });
  return named;
}
