// Errors a person can read: the API's stable ``code`` translated (zh/en), with the field it
// concerns. ``detail`` (English, for logs) is shown only for a code this page does not know yet.
import { addTranslations, hasText, t } from './i18n.js';

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
  },
});

// FastAPI's 422 detail is a list of {loc, msg}; the field is loc without its 'body'/'query' head.
const fieldOf = (entry) => (entry.loc || []).filter((p, i) => !(i === 0 && ['body', 'query', 'path'].includes(p))).join('.');

function describeFields(detail) {
  return detail.map((entry) => t('err_field', { field: fieldOf(entry) || '—', message: entry.msg })).join('; ');
}

const plain = (detail) => (typeof detail === 'string' ? detail : JSON.stringify(detail));

// One readable line for an ApiError (or any Error).
export function describeError(err) {
  const detail = err && err.detail !== undefined ? err.detail : err && err.message;
  const code = err && err.code;
  // A 422 with a code of its own (wrong_password) says it in the reader's language.
  if (Array.isArray(detail) && !(code && code !== 'invalid_input' && hasText(`err_${code}`))) {
    return describeFields(detail);
  }
  if (code && hasText(`err_${code}`)) {
    return t(`err_${code}`, { ...(err.body || {}), detail: plain(detail) });
  }
  return plain(detail ?? '');
}

// The fields a 422 names, for forms that mark the input they concern.
export function invalidFields(err) {
  return Array.isArray(err && err.detail) ? err.detail.map(fieldOf) : [];
}
