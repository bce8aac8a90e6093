// The issuer console: import a records file (with upload progress), hand out the claim codes
// (CSV download, printable letters with each code as a QR code), find issued credentials and
// change their status with a reason, see who holds each status list; on the root authority,
// grant and withdraw accreditations. Everything goes through the node's admin paths with the
// session cookie.
'use strict';

const WORDS = {
  en: {
    title: 'Issuer console', signOut: 'Sign out', import: 'Import records',
    importHint: 'A CSV or JSON Lines file from the registry. Each record gets a claim code, shown once: download the codes or print the letters before leaving this page.',
    kindLabel: 'Kind', chooseFile: 'Choose the file', importGo: 'Import', codesCsv: 'Download the codes (CSV)',
    codesPrint: 'Print claim letters', issued: 'Issued credentials', search: 'Search',
    searchHint: 'Credential id, record id, holder or kind', colCredential: 'Credential', colKind: 'Kind',
    colRecord: 'Record', colIssued: 'Issued', colStatus: 'Status', colAction: 'Change status', lists: 'Status lists',
    colList: 'List', colPurpose: 'Purpose', colVersion: 'Version', colPeers: 'Peers holding it',
    refresh: 'Ask the peers again', accreditations: 'Accreditations', colName: 'Name', colIssuer: 'Issuer',
    colKinds: 'Kinds', colUntil: 'Valid until', grant: 'Accredit an issuer', grantGo: 'Accredit',
    noFile: 'Choose a file first.', uploading: 'Uploading… ', issuing: 'Making the claim codes…',
    imported: n => `${n} records imported, each with a claim code.`, codesShown: n => `${n} claim codes from this import (shown only on this page).`,
    reason: 'Reason', revoke: 'Revoke', suspend: 'Suspend', reinstate: 'Reinstate',
    done: { revoke: 'Revoked', suspend: 'Suspended', reinstate: 'Reinstated' },
    status: { active: 'Active', suspended: 'Suspended', revoked: 'Revoked' },
    purpose: { revocation: 'revocation', suspension: 'suspension' },
    changed: (a, id) => `${a}: ${id}`, needReason: 'Give a reason for the change.',
    found: n => `${n} found`, truncated: ' (the search stopped early; narrow it down)',
    peers: (c, b, w) => `${c} current` + (b ? `, ${b} behind` : '') + (w ? `, ${w} without it` : ''),
    asked: (a, n) => `${n} of ${a} connected peers answered.`, noPeers: 'No peer is connected.',
    withdraw: 'Withdraw', withdrawn: 'Withdrawn ', inForce: 'In force', forever: '—',
    granted: 'Accreditation signed and spread.', withdrawDone: 'Withdrawal signed and spread.',
    letterTitle: 'Your digital credential is ready', letterIssuer: 'Issuer', letterRecord: 'Record',
    letterCode: 'Claim code',
    letterHow: 'Open your wallet, choose "Get a credential" and scan this code or type the claim code. Keep this letter private: the code can be used once, by you.',
    letterOfferTitle: 'With a phone wallet',
    letterOffer: 'Scan this code with your phone wallet app (OpenID4VCI). If the wallet asks for a transaction code, enter the one sent to you separately.',
    kinds: 'kinds',
  },
  vi: {
    title: 'Bảng điều khiển đơn vị cấp', signOut: 'Đăng xuất', import: 'Nhập hồ sơ',
    importHint: 'Tệp CSV hoặc JSON Lines từ cơ sở dữ liệu. Mỗi hồ sơ nhận một mã nhận, chỉ hiện một lần: hãy tải mã hoặc in thư trước khi rời trang.',
    kindLabel: 'Loại', chooseFile: 'Chọn tệp', importGo: 'Nhập', codesCsv: 'Tải mã nhận (CSV)',
    codesPrint: 'In thư nhận giấy tờ', issued: 'Giấy tờ đã cấp', search: 'Tìm',
    searchHint: 'Mã giấy tờ, mã hồ sơ, người giữ hoặc loại', colCredential: 'Giấy tờ', colKind: 'Loại',
    colRecord: 'Hồ sơ', colIssued: 'Ngày cấp', colStatus: 'Tình trạng', colAction: 'Đổi tình trạng', lists: 'Danh sách trạng thái',
    colList: 'Danh sách', colPurpose: 'Mục đích', colVersion: 'Phiên bản', colPeers: 'Số nút đang giữ',
    refresh: 'Hỏi lại các nút', accreditations: 'Công nhận', colName: 'Tên', colIssuer: 'Đơn vị cấp',
    colKinds: 'Loại', colUntil: 'Hiệu lực đến', grant: 'Công nhận một đơn vị cấp', grantGo: 'Công nhận',
    noFile: 'Hãy chọn tệp trước.', uploading: 'Đang tải lên… ', issuing: 'Đang tạo mã nhận…',
    imported: n => `Đã nhập ${n} hồ sơ, mỗi hồ sơ có một mã nhận.`, codesShown: n => `${n} mã nhận của lần nhập này (chỉ hiện trên trang này).`,
    reason: 'Lý do', revoke: 'Thu hồi', suspend: 'Tạm đình chỉ', reinstate: 'Khôi phục',
    done: { revoke: 'Đã thu hồi', suspend: 'Đã tạm đình chỉ', reinstate: 'Đã khôi phục' },
    status: { active: 'Còn hiệu lực', suspended: 'Tạm đình chỉ', revoked: 'Đã thu hồi' },
    purpose: { revocation: 'thu hồi', suspension: 'tạm đình chỉ' },
    changed: (a, id) => `${a}: ${id}`, needReason: 'Hãy ghi lý do thay đổi.',
    found: n => `Tìm thấy ${n}`, truncated: ' (dừng tìm sớm; hãy thu hẹp từ khóa)',
    peers: (c, b, w) => `${c} mới nhất` + (b ? `, ${b} cũ hơn` : '') + (w ? `, ${w} chưa có` : ''),
    asked: (a, n) => `${n} trên ${a} nút đang kết nối đã trả lời.`, noPeers: 'Chưa kết nối nút nào.',
    withdraw: 'Rút công nhận', withdrawn: 'Đã rút ', inForce: 'Đang hiệu lực', forever: '—',
    granted: 'Đã ký và phát công nhận.', withdrawDone: 'Đã ký và phát việc rút công nhận.',
    letterTitle: 'Giấy tờ số của bạn đã sẵn sàng', letterIssuer: 'Đơn vị cấp', letterRecord: 'Hồ sơ',
    letterCode: 'Mã nhận',
    letterHow: 'Mở ví, chọn "Nhận giấy tờ" rồi quét mã này hoặc nhập mã nhận. Hãy giữ kín thư này: mã chỉ dùng được một lần, cho chính bạn.',
    letterOfferTitle: 'Với ví trên điện thoại',
    letterOffer: 'Quét mã này bằng ứng dụng ví trên điện thoại (OpenID4VCI). Nếu ví hỏi mã giao dịch, hãy nhập mã đã được gửi riêng cho bạn.',
    kinds: 'loại',
  },
};

const LANG = pickLanguage(WORDS);
const T = wordsFor(LANG, WORDS);
// The codes of the last import: [[record, code]]. Shown once by the node; kept only here.
let codes = [];
let about = null;



function call(method, path, body) {
  return callNode('/console', method, path, body);
}

function translatePage() {
  translateWords(LANG, T);
  for (const e of document.querySelectorAll('[data-t-placeholder]')) e.placeholder = T[e.dataset.tPlaceholder];
  for (const e of document.querySelectorAll('[data-kind]')) e.textContent = T.kind[e.dataset.kind];
  for (const o of $('import-kind').options) o.textContent = T.kind[o.value] || o.value;
}

// The file goes up with XMLHttpRequest, whose upload reports progress (fetch does not).
function importRecords() {
  setError('');
  const file = $('import-file').files[0];
  if (!file) { setError(T.noFile); return; }
  const bar = $('import-progress');
  bar.hidden = false;
  bar.value = 0;
  $('import-go').disabled = true;
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/admin/records/import?kind=' + encodeURIComponent($('import-kind').value));
  xhr.setRequestHeader('content-type', 'text/plain; charset=utf-8');
  xhr.upload.onprogress = e => {
    if (e.lengthComputable) {
      bar.value = Math.round(90 * e.loaded / e.total);
      $('import-state').textContent = T.uploading + Math.round(100 * e.loaded / e.total) + '%';
    }
  };
  xhr.upload.onload = () => { $('import-state').textContent = T.issuing; bar.removeAttribute('value'); };
  xhr.onloadend = () => {
    $('import-go').disabled = false;
    let data = {};
    try { data = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status === 401) { location.href = '/login?next=/console'; return; }
    if (xhr.status !== 200) {
      bar.hidden = true;
      $('import-state').textContent = '';
      setError(data.message || data.error || `HTTP ${xhr.status}`);
      return;
    }
    bar.value = 100;
    codes = data.codes || [];
    $('import-state').textContent = T.imported(codes.length);
    $('codes-count').textContent = T.codesShown(codes.length);
    $('codes').hidden = codes.length === 0;
    search().catch(e => setError(e.message));
  };
  file.text().then(text => xhr.send(text), e => { $('import-go').disabled = false; setError(e.message); });
}

function downloadCodes() {
  const quote = s => '"' + String(s).replace(/"/g, '""') + '"';
  const peer = about ? about.peerId : '';
  const lines = ['record,code,issuer,letter'].concat(codes.map(([r, c]) =>
    [r, c, peer, `VCCLAIM:${peer}/${c}`].map(quote).join(',')));
  const blob = new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `claim-codes-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

async function printLetters() {
  setError('');
  const box = $('letters');
  box.replaceChildren();
  for (let i = 0; i < codes.length; i += 500) {
    const part = codes.slice(i, i + 500).map(([record, code]) => ({ record, code }));
    const r = await call('POST', '/admin/claim-letters', { codes: part });
    for (const l of r.letters) {
      const letter = el('article', 'letter');
      letter.append(el('h2', '', T.letterTitle));
      const dl = el('dl');
      for (const [k, v] of [[T.letterIssuer, r.issuer], [T.letterRecord, l.record], [T.letterCode, l.code]]) {
        dl.append(el('dt', '', k), el('dd', '', v));
      }
      letter.append(dl);
      const img = el('img', 'letter-qr');
      img.alt = T.letterCode + ' ' + l.code;
      img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(l.svg);
      letter.append(img, el('p', 'mono', l.text), el('p', '', T.letterHow));
      // The same code as an OpenID4VCI offer, for a phone wallet (EU wallet, Inji, walt.id…).
      if (l.offer && l.offerSvg) {
        const offerImg = el('img', 'letter-qr');
        offerImg.alt = T.letterOffer;
        offerImg.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(l.offerSvg);
        letter.append(el('h3', '', T.letterOfferTitle), offerImg, el('p', '', T.letterOffer));
      }
      box.append(letter);
    }
  }
  box.hidden = false;
  document.body.classList.add('printing');
  const done = () => { document.body.classList.remove('printing'); box.hidden = true; window.removeEventListener('afterprint', done); };
  window.addEventListener('afterprint', done);
  if (!navigator.webdriver) window.print();
}

async function search() {
  const q = $('search-q').value;
  const r = await call('GET', '/admin/issued?limit=100&q=' + encodeURIComponent(q));
  $('issued-note').textContent = T.found(r.items.length) + (r.truncated ? T.truncated : '');
  const body = $('issued-table').tBodies[0];
  body.replaceChildren();
  for (const it of r.items) {
    const tr = el('tr');
    tr.dataset.id = it.credentialId;
    const idCell = el('td', 'mono', it.credentialId);
    idCell.title = it.holder || '';
    const st = el('td');
    st.append(el('span', 'badge ' + it.status, T.status[it.status] || it.status));
    const last = (it.statusChanges || []).slice(-1)[0];
    if (last) {
      const when = last.at.slice(0, 16).replace('T', ' ');
      st.append(el('span', 'why', `${T.done[last.action] || last.action} ${when}` + (last.reason ? `: ${last.reason}` : '')));
    }
    const act = el('td');
    if (it.status !== 'revoked') {
      const reason = el('input', 'reason');
      reason.placeholder = T.reason;
      reason.setAttribute('aria-label', T.reason + ' · ' + it.credentialId);
      act.append(reason);
      const actions = it.status === 'suspended' ? ['reinstate', 'revoke'] : ['suspend', 'revoke'];
      for (const action of actions) {
        const b = el('button', action === 'revoke' ? 'danger small' : 'small', T[action]);
        b.type = 'button';
        b.dataset.action = action;
        b.onclick = () => change(it.credentialId, action, reason.value).catch(e => setError(e.message));
        act.append(b);
      }
    }
    tr.append(idCell, el('td', '', it.kind ? (T.kind[it.kind] || it.kind) : '—'), el('td', '', it.recordId || '—'),
      el('td', '', it.issuedAt.slice(0, 16).replace('T', ' ')), st, act);
    body.append(tr);
  }
}

async function change(id, action, reason) {
  setError('');
  if (!reason.trim()) { setError(T.needReason); return; }
  await call('POST', '/admin/revoke', { credential_id: id, action, reason });
  setNote(T.changed(T[action], id));
  await search();
  await loadLists();
}

async function loadLists() {
  const r = await call('GET', '/admin/lists');
  $('lists-note').textContent = r.peersAsked ? T.asked(r.peersAsked, r.peersAnswered) : T.noPeers;
  const body = $('lists-table').tBodies[0];
  body.replaceChildren();
  for (const l of r.lists) {
    const tr = el('tr');
    tr.append(el('td', 'mono', l.id), el('td', '', T.purpose[l.purpose] || l.purpose), el('td', '', String(l.version)),
      el('td', '', T.peers(l.peersCurrent, l.peersBehind, l.peersWithout)));
    body.append(tr);
  }
}

async function loadAccreditations() {
  const list = await call('GET', '/admin/accreditations');
  const body = $('accredit-table').tBodies[0];
  body.replaceChildren();
  for (const a of list) {
    const tr = el('tr');
    const state = a.withdrawn ? T.withdrawn + a.withdrawn.slice(0, 10) : T.inForce;
    const act = el('td');
    if (!a.withdrawn) {
      const b = el('button', 'danger small', T.withdraw);
      b.type = 'button';
      b.onclick = () => withdraw(a.issuer).catch(e => setError(e.message));
      act.append(b);
    }
    tr.append(el('td', '', a.name), el('td', 'mono', a.issuer), el('td', '', a.kinds.map(k => T.kind[k] || k).join(', ')),
      el('td', '', a.validUntil ? a.validUntil.slice(0, 10) : T.forever), el('td', '', state), act);
    body.append(tr);
  }
}

async function grant() {
  setError('');
  const kinds = [...$('grant-kinds').querySelectorAll('input:checked')].map(i => i.value);
  const until = $('grant-until').value;
  await call('POST', '/admin/accredit', {
    issuer: $('grant-issuer').value.trim(), name: $('grant-name').value.trim(), kinds,
    valid_until: until ? until + 'T23:59:59Z' : null,
  });
  setNote(T.granted);
  await loadAccreditations();
}

async function withdraw(issuer) {
  await call('POST', '/admin/accredit', { issuer, withdraw: true });
  setNote(T.withdrawDone);
  await loadAccreditations();
}

document.addEventListener('DOMContentLoaded', async () => {
  translatePage();
  try {
    about = await call('GET', '/admin/console');
  } catch (e) { setError(e.message); return; }
  $('who').textContent = `${about.name} · ${about.did}`;
  for (const s of document.querySelectorAll('.issuer-only')) s.hidden = !about.issuer;
  for (const s of document.querySelectorAll('.root-only')) s.hidden = !about.root;
  $('import-file').onchange = () => { $('import-name').textContent = ($('import-file').files[0] || {}).name || ''; };
  $('import-go').onclick = importRecords;
  $('codes-csv').onclick = downloadCodes;
  $('codes-print').onclick = guard(printLetters);
  $('search').onsubmit = e => { e.preventDefault(); guard(search)(); };
  $('lists-refresh').onclick = guard(loadLists);
  $('grant-go').onclick = guard(grant);
  if (about.issuer) { guard(search)(); guard(loadLists)(); }
  if (about.root) guard(loadAccreditations)();
});
