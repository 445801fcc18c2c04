// The attendance sheet of one session (admin/programs/batch/attendance.html): each row shows the choice made,
// "Mark everyone present" fills only the rows nobody has chosen for yet, and nothing is saved until "Save".
'use strict';
{
    const stateOf = (row) => {
        const chosen = row.querySelector('input[type="radio"]:checked');
        return chosen ? chosen.value : 'unrecorded';
    };

    const show = (form, row) => {
        row.dataset.state = stateOf(row);
        row.classList.toggle('att-unsaved', row.dataset.state !== row.dataset.stored);
        const unsaved = form.querySelector('.att-row.att-unsaved') !== null;
        const bar = form.querySelector('.att-save');
        if (bar) {
            bar.classList.toggle('att-unsaved', unsaved);
        }
        return unsaved;
    };

    const start = () => {
        const form = document.getElementById('attendance-form');
        if (!form) {
            return;
        }
        let unsaved = form.querySelector('.att-row.att-unsaved') !== null;
        form.addEventListener('change', (event) => {
            const row = event.target.closest('.att-row');
            if (row) {
                unsaved = show(form, row);
            }
        });
        const allPresent = form.querySelector('[data-all-present]');
        if (allPresent) {
            allPresent.addEventListener('click', () => {
                for (const row of form.querySelectorAll('.att-row')) {
                    const present = row.querySelector('input[type="radio"][value="present"]');
                    if (present && stateOf(row) === 'unrecorded') {
                        present.checked = true;
                        unsaved = show(form, row);
                    }
                }
            });
        }
        // Leaving with choices not saved (the next session, a link) asks first; saving does not.
        form.addEventListener('submit', () => {
            unsaved = false;
        });
        window.addEventListener('beforeunload', (event) => {
            if (unsaved) {
                event.preventDefault();
                event.returnValue = '';
            }
        });
    };

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
}
