"""Vocabulary and sentence templates for the sample manufacturing texts.

Pure data, kept apart from the assembly code in ``texts.py`` so that a domain expert can extend
the wording without reading offset arithmetic.

Conventions
-----------
* ``{slot}`` in a template is filled by ``texts.py``. Entity slots (``machine``, ``part``,
  ``defect``, ``location``, ``quantity``) become annotated spans; the other slots (``detail``,
  ``action``, ``fix``, ``date``, ``shift``, ``person``, ``wo``, ``tail``) are plain text and may
  themselves contain entity slots.
* ``<n>`` (1–12), ``<m>`` (2–9, for English plurals), ``<nn>`` (01–24), ``<d>`` (0.1–0.9),
  ``<f>`` (1.0–9.9) and ``<big>`` (10–480) inside a vocabulary value become random numbers.
* A fault ``detail`` is a pair (phrase, quantity patterns): the phrase decides which quantities
  make sense ("长度约" takes millimetres, "涉及" takes a number of parts). For routine work
  (class ``other``) the part decides instead: each part is a pair (name, quantity patterns).
* A word that could be an entity never appears in fixed template text, otherwise the gold spans
  would miss it.
"""

# Slots that become spans, mapped to their span label.
ENTITY_SLOTS = {
    "machine": "MACHINE",
    "part": "PART",
    "defect": "DEFECT",
    "location": "LOCATION",
    "quantity": "QUANTITY",
}

DOC_TYPES = ("defect_report", "work_order", "maintenance_log")

FAULT_CLASSES = ("electrical_fault", "mechanical_wear", "surface_defect", "leak", "calibration")
TEXT_CLASSES = (*FAULT_CLASSES, "other")

COMMON = {
    "zh": {
        "machine": [
            "<n>号冲压机",
            "<n>号注塑机",
            "<n>号数控车床",
            "<n>号加工中心",
            "<n>号空压机",
            "<n>号焊接机器人",
            "<n>号贴片机",
            "<n>号输送线",
            "<n>号折弯机",
            "<n>号激光切割机",
            "<n>号液压机",
            "<n>号回流焊炉",
        ],
        "location": [
            "左侧",
            "右侧",
            "顶部",
            "底部",
            "进料口",
            "出料端",
            "后部",
            "前端",
            "第<n>工位",
            "传动侧",
            "操作侧",
            "下方",
        ],
        "person": ["张工", "李师傅", "王班长", "赵工", "陈师傅", "刘工", "孙技术员", "周师傅"],
        "shift": ["早班", "中班", "夜班"],
        "tail": [
            "",
            "",
            "",
            "已拍照留档。",
            "请相关人员跟进。",
            "暂不影响生产。",
            "影响当班产量。",
            "下一班复查。",
            "已上报车间主任。",
        ],
    },
    "en": {
        "machine": [
            "press P-<nn>",
            "injection molding machine IM-<nn>",
            "CNC lathe L-<nn>",
            "machining center MC-<nn>",
            "air compressor AC-<n>",
            "welding robot WR-<nn>",
            "pick-and-place machine SMT-<n>",
            "conveyor line CV-<n>",
            "press brake PB-<n>",
            "laser cutter LC-<n>",
            "hydraulic press HP-<n>",
            "reflow oven RO-<n>",
        ],
        "location": [
            "left",
            "right",
            "upper",
            "lower",
            "infeed",
            "outfeed",
            "rear",
            "front",
            "station <n>",
            "drive-side",
            "operator-side",
            "inner",
        ],
        "person": [
            "Tom Baker",
            "Anna Kowalski",
            "Wei Zhang",
            "Priya Nair",
            "Carlos Ruiz",
            "Emma Schulz",
            "Kenji Sato",
            "Olga Petrova",
        ],
        "shift": ["day shift", "night shift", "swing shift"],
        "tail": [
            "",
            "",
            "",
            " Photos attached.",
            " Please follow up.",
            " No impact on output yet.",
            " Output of this shift affected.",
            " Recheck next shift.",
            " Supervisor informed.",
        ],
    },
}

# Per class and language: parts, defects, details (phrase, quantity patterns), actions, fixes.
CLASSES = {
    "zh": {
        "electrical_fault": {
            "part": [
                "接触器",
                "继电器",
                "伺服电机",
                "变频器",
                "动力电缆",
                "保险丝",
                "接近开关",
                "电机接线端子",
                "控制板",
                "编码器",
            ],
            "defect": ["短路", "过热", "接触不良", "跳闸", "绝缘破损", "烧蚀", "断路", "打火"],
            "detail": [
                ("温度达到{quantity}", ["<big>℃"]),
                ("电流超出额定值{quantity}", ["<n>安", "<big>%"]),
                ("本班累计发生{quantity}", ["<n>次"]),
                ("停机约{quantity}", ["<big>分钟", "<n>小时"]),
            ],
            "action": ["需更换{part}", "建议断电后检修", "需重新压接线头", "请电工组排查线路"],
            "fix": ["已更换{part}", "已重新接线", "已紧固端子", "已更换损坏的{part}"],
        },
        "mechanical_wear": {
            "part": [
                "轴承",
                "齿轮",
                "导轨",
                "同步带",
                "链条",
                "主轴",
                "联轴器",
                "丝杠",
                "滑块",
                "凸轮",
            ],
            "defect": ["磨损", "异响", "振动过大", "松动", "卡滞", "间隙过大", "点蚀", "断齿"],
            "detail": [
                ("磨损量约{quantity}", ["<d>毫米", "<f>毫米"]),
                ("振动值达到{quantity}", ["<f>毫米/秒"]),
                ("共发现{quantity}", ["<n>处"]),
                ("已连续运行{quantity}", ["<big>小时", "<n>个月"]),
            ],
            "action": ["需更换{part}", "建议停机检修", "需重新紧固", "需补充润滑脂后观察"],
            "fix": ["已更换{part}", "已调整间隙", "已加注润滑脂", "已重新紧固"],
        },
        "surface_defect": {
            "part": [
                "外壳",
                "面板",
                "钣金件",
                "法兰",
                "冲压件",
                "涂层",
                "铝型材",
                "盖板",
                "注塑件",
                "镀锌板",
            ],
            "defect": ["划痕", "凹坑", "锈斑", "裂纹", "毛刺", "气泡", "色差", "压痕"],
            "detail": [
                ("长度约{quantity}", ["<big>毫米", "<f>厘米"]),
                ("深度约{quantity}", ["<d>毫米"]),
                ("共发现{quantity}", ["<n>处", "<n>条"]),
                ("涉及{quantity}", ["<big>件", "<n>批"]),
            ],
            "action": ["需返修打磨", "该批次隔离待判", "建议调整模具", "需重新喷涂"],
            "fix": ["已打磨处理", "不良品已隔离", "已修模", "已返工{part}"],
        },
        "leak": {
            "part": [
                "液压缸",
                "密封圈",
                "油管",
                "电磁阀",
                "冷却管路",
                "快速接头",
                "油泵",
                "气缸",
                "球阀",
                "法兰垫片",
            ],
            "defect": ["漏油", "渗漏", "漏气", "冷却液泄漏", "滴漏", "渗油"],
            "detail": [
                ("泄漏量约{quantity}", ["<d>升/小时", "<f>升/班"]),
                ("地面积液约{quantity}", ["<f>升"]),
                ("压力下降{quantity}", ["<d>兆帕", "<n>巴"]),
                ("共发现{quantity}", ["<n>处"]),
            ],
            "action": [
                "需更换{part}",
                "请清理地面油污后重新密封",
                "需停机泄压后处理",
                "建议加装接油盘",
            ],
            "fix": ["已更换{part}", "已重新紧固", "已重新密封", "已清理油污"],
        },
        "calibration": {
            "part": [
                "压力传感器",
                "温度探头",
                "流量计",
                "称重传感器",
                "测头",
                "扭矩扳手",
                "位移传感器",
                "视觉相机",
                "激光测距仪",
                "液位计",
            ],
            "defect": ["零点漂移", "读数偏高", "读数偏低", "测量偏差", "超差", "示值不稳"],
            "detail": [
                ("偏差约{quantity}", ["<d>%", "<f>%"]),
                ("与标准件相差{quantity}", ["<d>毫米", "<f>牛·米"]),
                ("超出公差{quantity}", ["<d>毫米"]),
                ("连续{quantity}超差", ["<n>件"]),
            ],
            "action": ["需送计量室校准", "需重新标定", "请质检复核", "暂停使用待校准"],
            "fix": ["已重新标定", "已校准合格", "已更换{part}并标定", "已清零复位"],
        },
        "other": {
            "part": [
                ("润滑油", ["<f>升", "<n>桶"]),
                ("滤芯", ["<n>个"]),
                ("防护罩", ["<n>个"]),
                ("标识牌", ["<n>块"]),
                ("工装夹具", ["<n>套"]),
                ("安全光栅", ["<n>套"]),
                ("急停按钮", ["<n>个"]),
                ("皮带罩", ["<n>个"]),
                ("刀具", ["<n>把"]),
                ("吸盘", ["<n>个"]),
            ],
            "detail": ["本次用量{quantity}", "库存剩余{quantity}", "共计{quantity}"],
        },
    },
    "en": {
        "electrical_fault": {
            "part": [
                "contactor",
                "relay",
                "servo motor",
                "frequency inverter",
                "power cable",
                "fuse",
                "proximity switch",
                "terminal block",
                "control board",
                "encoder",
            ],
            "defect": [
                "a short circuit",
                "overheating",
                "intermittent contact",
                "repeated tripping",
                "insulation damage",
                "burn marks",
                "an open circuit",
                "arcing",
            ],
            "detail": [
                ("temperature reached {quantity}", ["<big> °C"]),
                ("current exceeded rating by {quantity}", ["<n> A", "<big>%"]),
                ("occurred {quantity} this shift", ["<m> times"]),
                ("downtime about {quantity}", ["<big> min", "<n> h"]),
            ],
            "action": [
                "Replace the {part}",
                "Isolate power before repair",
                "Re-crimp the wiring",
                "Electrician to trace the circuit",
            ],
            "fix": [
                "replaced the {part}",
                "rewired the connection",
                "tightened the terminals",
                "swapped the damaged {part}",
            ],
        },
        "mechanical_wear": {
            "part": [
                "bearing",
                "gear",
                "linear guide",
                "timing belt",
                "chain",
                "spindle",
                "coupling",
                "ball screw",
                "slide block",
                "cam",
            ],
            "defect": [
                "excessive wear",
                "abnormal noise",
                "heavy vibration",
                "looseness",
                "sticking",
                "excessive play",
                "pitting",
                "a broken tooth",
            ],
            "detail": [
                ("wear depth about {quantity}", ["<d> mm", "<f> mm"]),
                ("vibration at {quantity}", ["<f> mm/s"]),
                ("{quantity} found", ["<m> spots"]),
                ("running for {quantity}", ["<big> h", "<m> months"]),
            ],
            "action": [
                "Replace the {part}",
                "Stop for overhaul",
                "Re-tighten all fasteners",
                "Grease and monitor",
            ],
            "fix": [
                "replaced the {part}",
                "adjusted the clearance",
                "greased the {part}",
                "re-tightened the fasteners",
            ],
        },
        "surface_defect": {
            "part": [
                "housing",
                "front panel",
                "sheet metal part",
                "flange",
                "stamped part",
                "coating",
                "aluminium profile",
                "cover plate",
                "molded part",
                "galvanized sheet",
            ],
            "defect": [
                "scratches",
                "dents",
                "rust spots",
                "a crack",
                "burrs",
                "bubbles",
                "color deviation",
                "pressure marks",
            ],
            "detail": [
                ("length about {quantity}", ["<big> mm", "<f> cm"]),
                ("depth about {quantity}", ["<d> mm"]),
                ("{quantity} affected", ["<m> spots", "<big> pcs"]),
                ("{quantity} on hold", ["<m> batches", "<big> pcs"]),
            ],
            "action": [
                "Rework by grinding",
                "Quarantine the batch",
                "Adjust the die",
                "Repaint the {part}",
            ],
            "fix": [
                "ground and polished",
                "quarantined the rejects",
                "repaired the die",
                "reworked the {part}",
            ],
        },
        "leak": {
            "part": [
                "hydraulic cylinder",
                "seal ring",
                "oil hose",
                "solenoid valve",
                "coolant line",
                "quick coupling",
                "oil pump",
                "air cylinder",
                "ball valve",
                "flange gasket",
            ],
            "defect": [
                "oil leakage",
                "seepage",
                "air leakage",
                "coolant leakage",
                "dripping",
                "hydraulic fluid leakage",
            ],
            "detail": [
                ("leak rate about {quantity}", ["<d> L/h", "<f> L/shift"]),
                ("about {quantity} on the floor", ["<f> L"]),
                ("pressure drop of {quantity}", ["<d> MPa", "<n> bar"]),
                ("{quantity} found", ["<m> spots"]),
            ],
            "action": [
                "Replace the {part}",
                "Clean the floor and reseal",
                "Depressurize before work",
                "Fit a drip tray",
            ],
            "fix": [
                "replaced the {part}",
                "re-tightened the {part}",
                "resealed",
                "cleaned up the oil",
            ],
        },
        "calibration": {
            "part": [
                "pressure sensor",
                "temperature probe",
                "flow meter",
                "load cell",
                "touch probe",
                "torque wrench",
                "displacement sensor",
                "vision camera",
                "laser distance sensor",
                "level gauge",
            ],
            "defect": [
                "zero drift",
                "high readings",
                "low readings",
                "measurement deviation",
                "out-of-tolerance readings",
                "unstable readings",
            ],
            "detail": [
                ("deviation about {quantity}", ["<d>%", "<f>%"]),
                ("off the master by {quantity}", ["<d> mm", "<f> N·m"]),
                ("outside tolerance by {quantity}", ["<d> mm"]),
                ("{quantity} in a row out of spec", ["<m> parts"]),
            ],
            "action": [
                "Send to the metrology lab",
                "Recalibrate the {part}",
                "QC to re-check",
                "Lock out until calibrated",
            ],
            "fix": [
                "recalibrated",
                "calibrated and passed",
                "replaced and calibrated the {part}",
                "zeroed and reset",
            ],
        },
        "other": {
            "part": [
                ("lubricating oil", ["<f> L", "<m> drums"]),
                ("filter elements", ["<n> pcs"]),
                ("safety guards", ["<n> pcs"]),
                ("warning labels", ["<n> pcs"]),
                ("fixtures", ["<m> sets"]),
                ("light curtains", ["<m> sets"]),
                ("emergency stop buttons", ["<n> pcs"]),
                ("belt guards", ["<n> pcs"]),
                ("cutting tools", ["<n> pcs"]),
                ("suction cups", ["<n> pcs"]),
            ],
            "detail": ["{quantity} used", "{quantity} remaining in stock", "{quantity} in total"],
        },
    },
}

# Templates for the fault classes: per language and document type.
FAULT_TEMPLATES = {
    "zh": {
        "defect_report": [
            "{machine}{location}的{part}出现{defect}，{detail}，{action}。{tail}",
            "巡检发现{machine}的{part}有{defect}现象，位置在{location}，{detail}。{action}。{tail}",
            "【缺陷报告】设备：{machine}；部位：{location}{part}；问题：{defect}；{detail}。{tail}",
            "{shift}{person}报告：{machine}{location}{part}{defect}，{detail}，已通知维修。{tail}",
            "质检反馈{machine}{location}的{part}{defect}，{detail}，{action}。{tail}",
        ],
        "work_order": [
            "工单{wo}：{machine}{location}{part}{defect}，{action}，要求{date}前完成。{tail}",
            "请维修组处理{machine}的{part}{defect}问题（{location}），{detail}，{action}。{tail}",
            "派工：{person}负责{machine}，{location}{part}{defect}，{action}。{tail}",
            "紧急工单{wo}　设备{machine}　{location}{part}{defect}，{detail}。{action}。{tail}",
        ],
        "maintenance_log": [
            "{date}{shift}，{person}检查{machine}，发现{location}{part}{defect}，{detail}，{fix}。{tail}",
            "{machine}维护记录：{location}的{part}{defect}，{detail}，{fix}后试机正常。{tail}",
            "{date}对{machine}进行点检，{part}（{location}）{defect}，{detail}。{tail}",
            "{shift}交接：{machine}{location}{part}{defect}，{fix}，{detail}。{tail}",
        ],
    },
    "en": {
        "defect_report": [
            "Inspection found {defect} on the {location} {part} of {machine}; {detail}. "
            "{action}.{tail}",
            "Defect report: {machine}, {location} {part} shows {defect}, {detail}. {action}.{tail}",
            "Operator {person} reported {defect} on {machine} ({part}, {location}); "
            "{detail}.{tail}",
            "QC flagged {defect} on the {location} {part} of {machine}, {detail}. {action}.{tail}",
        ],
        "work_order": [
            "WO {wo}: {machine} - {location} {part} has {defect}; {detail}. {action} before "
            "{date}.{tail}",
            "Please send maintenance to {machine}: {defect} on the {location} {part}. "
            "{action}.{tail}",
            "Assigned to {person}: {machine}, {defect} at the {location} {part}, {detail}. "
            "{action}.{tail}",
            "Urgent WO {wo} - {machine} down, {part} ({location}) with {defect}. {action}.{tail}",
        ],
        "maintenance_log": [
            "{date} {shift}: {person} checked {machine}, found {defect} on the {location} "
            "{part}, {detail}; {fix}.{tail}",
            "{machine} service log - {location} {part} with {defect}, {detail}; {fix}, test run "
            "OK.{tail}",
            "{date} routine check of {machine}: {part} ({location}) showed {defect}, "
            "{detail}.{tail}",
            "Shift handover ({shift}): {machine} {location} {part}, {defect}; {fix}.{tail}",
        ],
    },
}

# Templates for routine work without a fault (class "other"): no DEFECT span.
OTHER_TEMPLATES = {
    "zh": {
        "defect_report": [
            "{machine}{location}巡检完毕，{part}状态良好，未发现异常。{tail}",
            "{shift}{person}确认{machine}的{part}已恢复，{location}无异常。{tail}",
        ],
        "work_order": [
            "工单{wo}：为{machine}补充{part}{quantity}，{date}前完成。{tail}",
            "请为{machine}{location}更换{part}，{detail}，按计划保养执行。{tail}",
            "派工：{person}为{machine}补充{part}，{detail}。{tail}",
        ],
        "maintenance_log": [
            "{date}{shift}，{person}完成{machine}的例行保养，更换{part}{quantity}，设备运行正常。{tail}",
            "{machine}{location}清洁完毕，{part}已检查，{detail}。{tail}",
        ],
    },
    "en": {
        "defect_report": [
            "Patrol check of {machine} ({location} area) done, {part} in good condition, no "
            "findings.{tail}",
            "{person} confirmed the {part} on {machine} back in place; {location} area "
            "clear.{tail}",
        ],
        "work_order": [
            "WO {wo}: supply {quantity} of {part} to {machine} by {date}.{tail}",
            "Please replace the {location} {part} on {machine} as scheduled, {detail}.{tail}",
            "Assigned to {person}: restock {part} for {machine}, {detail}.{tail}",
        ],
        "maintenance_log": [
            "{date} {shift}: {person} completed routine service of {machine}, changed {quantity} "
            "of {part}, running normally.{tail}",
            "{machine} {location} area cleaned, {part} checked, {detail}.{tail}",
        ],
    },
}
