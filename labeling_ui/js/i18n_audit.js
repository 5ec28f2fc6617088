// Strings of the audit log page, in English and Chinese.
import { addTranslations } from './i18n.js';

addTranslations({
  en: {
    audit_log: 'Audit log', audit_log_of: 'Audit log · {org}', audit_when: 'When', audit_who: 'Who',
    audit_action: 'Action', audit_target: 'Object', audit_details: 'Details', audit_all: 'All actions',
    audit_older: 'Older entries', audit_system: 'system', audit_empty_title: 'Nothing recorded yet',
    audit_empty: 'Role changes, invitations, pauses, label renames, reviews, exports, payouts and deletions appear here.',
    'audit_member.role': 'role changed', 'audit_member.join': 'joined', 'audit_member.remove': 'member removed',
    'audit_member.temporary_password': 'temporary password set', 'audit_invite.create': 'invitation made',
    'audit_invite.revoke': 'invitation revoked', 'audit_org.create': 'organization created',
    'audit_project.create': 'project created', 'audit_project.update': 'project settings changed',
    'audit_project.overlap_followed': 'open items follow the new overlap',
    'audit_project.access': 'project access changed', 'audit_items.import': 'items imported',
    'audit_gold.set': 'gold answers set', 'audit_annotator.pause': 'annotator paused',
    'audit_annotator.resume': 'annotator resumed', 'audit_version.create': 'dataset version built',
  },
  zh: {
    audit_log: '审计日志', audit_log_of: '审计日志 · {org}', audit_when: '时间', audit_who: '操作人',
    audit_action: '操作', audit_target: '对象', audit_details: '详情', audit_all: '全部操作',
    audit_older: '更早的记录', audit_system: '系统', audit_empty_title: '尚无记录',
    audit_empty: '角色变更、邀请、暂停、标签改名、审核、导出、结算和删除都会记录在这里。',
    'audit_member.role': '角色变更', 'audit_member.join': '加入组织', 'audit_member.remove': '移除成员',
    'audit_member.temporary_password': '设置临时密码', 'audit_invite.create': '创建邀请',
    'audit_invite.revoke': '撤销邀请', 'audit_org.create': '创建组织',
    'audit_project.create': '创建项目', 'audit_project.update': '修改项目设置',
    'audit_project.overlap_followed': '未完成条目采用新的重叠数',
    'audit_project.access': '修改项目权限', 'audit_items.import': '导入数据',
    'audit_gold.set': '设置金标准答案', 'audit_annotator.pause': '暂停标注员',
    'audit_annotator.resume': '恢复标注员', 'audit_version.create': '生成数据集版本',
  },
});
