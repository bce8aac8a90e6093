// What every page of the node shares: the page language (the browser's), the names of
// vcnet's credential kinds and claims in English and Vietnamese, and claim values in words.
'use strict';

const COMMON = {
  en: {
    kind: { identity: 'Identity card', health: 'Health record', study: 'Study record' },
    labels: {
      personalIdentificationNumber: 'ID number', fullName: 'Full name', dateOfBirth: 'Date of birth',
      sex: 'Sex', nationality: 'Nationality', placeOfOrigin: 'Place of origin',
      placeOfResidence: 'Place of residence', dateOfIssue: 'Date of issue', dateOfExpiry: 'Date of expiry',
      photoDigest: 'Photo digest', ageOver18: 'Over 18', healthInsuranceNumber: 'Health insurance number',
      bloodType: 'Blood type', allergies: 'Allergy', immunizations: 'Immunization', encounters: 'Visit',
      prescriptions: 'Prescription', studentNumber: 'Student number', institution: 'Institution',
      programme: 'Programme', level: 'Level', academicYear: 'Academic year', courses: 'Course', gpa: 'GPA',
      graduation: 'Graduation', id: 'Holder',
    },
    yes: 'yes', no: 'no', dose: 'dose',
  },
  vi: {
    kind: { identity: 'Căn cước', health: 'Hồ sơ sức khỏe', study: 'Hồ sơ học tập' },
    labels: {
      personalIdentificationNumber: 'Số định danh', fullName: 'Họ và tên', dateOfBirth: 'Ngày sinh',
      sex: 'Giới tính', nationality: 'Quốc tịch', placeOfOrigin: 'Quê quán',
      placeOfResidence: 'Nơi thường trú', dateOfIssue: 'Ngày cấp', dateOfExpiry: 'Có giá trị đến',
      photoDigest: 'Mã ảnh', ageOver18: 'Trên 18 tuổi', healthInsuranceNumber: 'Số thẻ BHYT',
      bloodType: 'Nhóm máu', allergies: 'Dị ứng', immunizations: 'Tiêm chủng', encounters: 'Lần khám',
      prescriptions: 'Đơn thuốc', studentNumber: 'Mã số sinh viên', institution: 'Cơ sở đào tạo',
      programme: 'Chương trình', level: 'Bậc học', academicYear: 'Năm học', courses: 'Học phần', gpa: 'Điểm trung bình',
      graduation: 'Tốt nghiệp', id: 'Người giữ',
    },
    yes: 'có', no: 'không', dose: 'mũi',
  },
};

// The claims a desk can ask for, by kind (vcnet's schemas).
const CLAIMS = {
  identity: ['fullName', 'dateOfBirth', 'ageOver18', 'personalIdentificationNumber', 'sex', 'nationality',
    'placeOfOrigin', 'placeOfResidence', 'dateOfIssue', 'dateOfExpiry', 'photoDigest'],
  health: ['healthInsuranceNumber', 'bloodType', 'allergies', 'immunizations', 'encounters', 'prescriptions'],
  study: ['studentNumber', 'institution', 'programme', 'level', 'academicYear', 'courses', 'gpa', 'graduation'],
};

function pickLanguage(words) {
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (words[base]) return base;
  }
  return 'en';
}

// The page's words: the shared ones, then the page's own.
function wordsFor(lang, own) {
  return Object.assign({}, COMMON[lang] || COMMON.en, own[lang] || own.en);
}

// One value of a claim, in words: the structured ones of vcnet's kinds read as a line.
function say(name, v) {
  if (v === true) return T.yes;
  if (v === false) return T.no;
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  if (name === 'immunizations') {
    return [v.vaccine, v.dose !== undefined ? `${T.dose} ${v.dose}` : '', v.date].filter(Boolean).join(', ');
  }
  if (name === 'prescriptions') {
    return [v.medication, v.dosage, [v.startDate, v.endDate].filter(Boolean).join(' – ')].filter(Boolean).join(', ');
  }
  if (name === 'encounters') {
    const d = (v.diagnoses || []).map(x => x.label || x.code).join('; ');
    return [v.date, v.facility, d].filter(Boolean).join(', ');
  }
  if (name === 'courses') {
    return [v.code, v.title, v.grade, v.credits !== undefined ? `${v.credits} cr` : ''].filter(Boolean).join(', ');
  }
  return Object.entries(v).map(([k, x]) => `${k}: ${say(k, x)}`).join(', ');
}

function claimRows(claims) {
  const rows = [];
  if (!claims || typeof claims !== 'object') return rows;
  for (const [name, v] of Object.entries(claims)) {
    if (name === 'id' || name === 'type') continue;
    const label = T.labels[name] || name;
    if (Array.isArray(v)) {
      for (const item of v) rows.push([label, say(name, item)]);
    } else {
      rows.push([label, say(name, v)]);
    }
  }
  return rows;
}

const $ = id => document.getElementById(id);

function setError(msg) { $('error').textContent = msg || ''; }
function setNote(msg) { $('note').textContent = msg || ''; }

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// A signed-in page's call to the node: JSON in and out; a lost session goes back to sign in
// (then to `page`); an error answer throws its message.
async function callNode(page, method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (r.status === 401) {
    location.href = '/login?next=' + page;
    throw new Error('signed out');
  }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.message || data.error || `HTTP ${r.status}`);
  return data;
}

// The page's words into every `data-t` element, and its title.
function translateWords(lang, words) {
  document.documentElement.lang = lang;
  document.title = words.title + ' · vcnet';
  for (const e of document.querySelectorAll('[data-t]')) {
    const w = words[e.dataset.t];
    if (typeof w === 'string') e.textContent = w;
  }
}

// A callback that shows its error instead of throwing it.
function guard(f) {
  return () => f().catch(e => setError(e.message));
}
