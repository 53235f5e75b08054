// SPDX-License-Identifier: GPL-2.0
/*
 * The LIO fabric "vhost": target ports (naa./fc./iqn. WWNs), target portal
 * groups (tpgt_N), the I_T nexus attribute and LUN link/unlink, with the
 * configfs layout and attribute names of 6.1 so that targetcli and existing
 * scripts configure it unchanged.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <generated/utsrelease.h>
#include <scsi/scsi_proto.h>

#include "vhs.h"

DEFINE_MUTEX(vhs_tpgs_lock);
LIST_HEAD(vhs_tpgs);

static struct vhs_tpg *to_vhs_tpg(struct se_portal_group *se_tpg)
{
	return container_of(se_tpg, struct vhs_tpg, se_tpg);
}

static void vhs_tpg_free(struct kref *kref)
{
	kfree(container_of(kref, struct vhs_tpg, kref));
}

void vhs_tpg_put(struct vhs_tpg *tpg)
{
	kref_put(&tpg->kref, vhs_tpg_free);
}

static char *vhs_get_fabric_wwn(struct se_portal_group *se_tpg)
{
	return to_vhs_tpg(se_tpg)->tport->name;
}

static u16 vhs_get_tpgt(struct se_portal_group *se_tpg)
{
	return to_vhs_tpg(se_tpg)->tpgt;
}

static int vhs_true(struct se_portal_group *se_tpg)
{
	return 1;
}

static int vhs_false(struct se_portal_group *se_tpg)
{
	return 0;
}

static int vhs_prot_fabric_only(struct se_portal_group *se_tpg)
{
	return to_vhs_tpg(se_tpg)->fabric_prot_type;
}

static u32 vhs_tpg_inst_index(struct se_portal_group *se_tpg)
{
	return 1;
}

static u32 vhs_sess_get_index(struct se_session *se_sess)
{
	return 0;
}

static void vhs_set_default_node_attrs(struct se_node_acl *nacl)
{
}

static int vhs_get_cmd_state(struct se_cmd *se_cmd)
{
	return 0;
}

static int vhs_check_stop_free(struct se_cmd *se_cmd)
{
	return target_put_sess_cmd(se_cmd);
}

/* The data-out pages are pinned already: execute at once. */
static int vhs_write_pending(struct se_cmd *se_cmd)
{
	target_execute_cmd(se_cmd);
	return 0;
}

/*
 * Status and data are ready: drop the acknowledgement reference.  The
 * answer to the guest is written once LIO releases the command.
 */
static int vhs_queue_status(struct se_cmd *se_cmd)
{
	transport_generic_free_cmd(se_cmd, 0);
	return 0;
}

static void vhs_queue_tm_rsp(struct se_cmd *se_cmd)
{
	struct vhs_tmf *tmf = container_of(se_cmd, struct vhs_tmf, se_cmd);

	switch (se_cmd->se_tmr_req->response) {
	case TMR_FUNCTION_COMPLETE:
		tmf->response = VIRTIO_SCSI_S_FUNCTION_SUCCEEDED;
		break;
	case TMR_TASK_DOES_NOT_EXIST:
		/* SAM: aborting a task that is not there completes. */
		tmf->response = VIRTIO_SCSI_S_OK;	/* FUNCTION COMPLETE */
		break;
	case TMR_LUN_DOES_NOT_EXIST:
		tmf->response = VIRTIO_SCSI_S_INCORRECT_LUN;
		break;
	default:
		tmf->response = VIRTIO_SCSI_S_FUNCTION_REJECTED;
		break;
	}
	transport_generic_free_cmd(se_cmd, 0);
}

/* Aborted without status: release_cmd answers it as aborted. */
static void vhs_aborted_task(struct se_cmd *se_cmd)
{
}

static void vhs_release_cmd(struct se_cmd *se_cmd)
{
	if (se_cmd->se_cmd_flags & SCF_SCSI_TMR_CDB)
		vhs_tmf_released(container_of(se_cmd, struct vhs_tmf, se_cmd));
	else
		vhs_cmd_released(container_of(se_cmd, struct vhs_cmd, se_cmd));
}

/* ---- hot-plug: LUN links ---------------------------------------------------- */

static void vhs_plug(struct vhs_tpg *tpg, struct se_lun *lun, bool plug)
{
	struct vhs_dev *vhs = tpg->vhs;

	if (!vhs)
		return;
	if (!vhh_has_feature(&vhs->vqs[VHS_VQ_EVT].vq, VIRTIO_SCSI_F_HOTPLUG))
		return;
	vhs_send_event(vhs, tpg, lun, VIRTIO_SCSI_T_TRANSPORT_RESET,
		       plug ? VIRTIO_SCSI_EVT_RESET_RESCAN :
			      VIRTIO_SCSI_EVT_RESET_REMOVED);
}

static int vhs_port_link(struct se_portal_group *se_tpg, struct se_lun *lun)
{
	struct vhs_tpg *tpg = to_vhs_tpg(se_tpg);

	mutex_lock(&tpg->mutex);
	tpg->port_count++;
	vhs_plug(tpg, lun, true);
	mutex_unlock(&tpg->mutex);
	return 0;
}

static void vhs_port_unlink(struct se_portal_group *se_tpg, struct se_lun *lun)
{
	struct vhs_tpg *tpg = to_vhs_tpg(se_tpg);

	mutex_lock(&tpg->mutex);
	tpg->port_count--;
	vhs_plug(tpg, lun, false);
	mutex_unlock(&tpg->mutex);
}

/* ---- tpg attributes ------------------------------------------------------- */

static ssize_t vhs_tpg_attrib_fabric_prot_type_store(struct config_item *item,
						     const char *page,
						     size_t count)
{
	struct vhs_tpg *tpg = to_vhs_tpg(attrib_to_tpg(item));
	unsigned long val;
	int ret = kstrtoul(page, 0, &val);

	if (ret)
		return ret;
	/* Type 2 is not emulated by LIO's fabric-side PI. */
	if (val != 0 && val != 1 && val != 3)
		return -EINVAL;
	tpg->fabric_prot_type = val;
	return count;
}

static ssize_t vhs_tpg_attrib_fabric_prot_type_show(struct config_item *item,
						    char *page)
{
	return sprintf(page, "%d\n",
		       to_vhs_tpg(attrib_to_tpg(item))->fabric_prot_type);
}

CONFIGFS_ATTR(vhs_tpg_attrib_, fabric_prot_type);

static struct configfs_attribute *vhs_tpg_attrib_attrs[] = {
	&vhs_tpg_attrib_attr_fabric_prot_type,
	NULL,
};

/* ---- nexus ---------------------------------------------------------------- */

static int vhs_make_nexus(struct vhs_tpg *tpg, const char *name)
{
	struct vhs_nexus *nexus;
	int ret = 0;

	mutex_lock(&tpg->mutex);
	if (tpg->nexus) {
		ret = -EEXIST;
		goto out;
	}
	nexus = kzalloc(sizeof(*nexus), GFP_KERNEL);
	if (!nexus) {
		ret = -ENOMEM;
		goto out;
	}
	/* Commands come from our own pools: no session tag pool. */
	nexus->se_sess = target_setup_session(&tpg->se_tpg, 0, 0,
					      TARGET_PROT_DIN_PASS |
					      TARGET_PROT_DOUT_PASS,
					      name, nexus, NULL);
	if (IS_ERR(nexus->se_sess)) {
		ret = PTR_ERR(nexus->se_sess);
		kfree(nexus);
		goto out;
	}
	tpg->nexus = nexus;
out:
	mutex_unlock(&tpg->mutex);
	return ret;
}

static int vhs_drop_nexus(struct vhs_tpg *tpg)
{
	struct vhs_nexus *nexus;

	mutex_lock(&tpg->mutex);
	nexus = tpg->nexus;
	if (!nexus) {
		mutex_unlock(&tpg->mutex);
		return -ENODEV;
	}
	/* LUNs still linked or a device attached: refuse, as 6.1. */
	if (tpg->port_count || tpg->vhs) {
		mutex_unlock(&tpg->mutex);
		return -EBUSY;
	}
	/*
	 * LIO still runs a released command's last steps on the session
	 * (its command counter): stop it and wait for them before freeing.
	 */
	target_stop_session(nexus->se_sess);
	target_wait_for_sess_cmds(nexus->se_sess);
	target_remove_session(nexus->se_sess);
	tpg->nexus = NULL;
	mutex_unlock(&tpg->mutex);
	kfree(nexus);
	return 0;
}

static ssize_t vhs_tpg_nexus_show(struct config_item *item, char *page)
{
	struct vhs_tpg *tpg = to_vhs_tpg(to_tpg(item));
	ssize_t ret = -ENODEV;

	mutex_lock(&tpg->mutex);
	if (tpg->nexus)
		ret = snprintf(page, PAGE_SIZE, "%s\n",
			       tpg->nexus->se_sess->se_node_acl->initiatorname);
	mutex_unlock(&tpg->mutex);
	return ret;
}

/* The initiator port's protocol prefix, or NULL if it has none we know. */
static const char *vhs_port_prefix(const char *name, u8 *proto)
{
	if (strstr(name, "naa.")) {
		*proto = SCSI_PROTOCOL_SAS;
		return "naa.";
	}
	if (strstr(name, "fc.")) {
		*proto = SCSI_PROTOCOL_FCP;
		return "fc.";
	}
	if (strstr(name, "iqn.")) {
		*proto = SCSI_PROTOCOL_ISCSI;
		return "iqn.";
	}
	return NULL;
}

static ssize_t vhs_tpg_nexus_store(struct config_item *item, const char *page,
				   size_t count)
{
	struct vhs_tpg *tpg = to_vhs_tpg(to_tpg(item));
	char name[VHS_NAMELEN], *start;
	const char *prefix;
	size_t len;
	u8 proto;
	int ret;

	if (!strncmp(page, "NULL", 4)) {
		ret = vhs_drop_nexus(tpg);
		return ret ? ret : count;
	}
	if (strlen(page) >= VHS_NAMELEN)
		return -EINVAL;
	strscpy(name, page, sizeof(name));
	prefix = vhs_port_prefix(name, &proto);
	if (!prefix || proto != tpg->tport->proto_id)
		return -EINVAL;
	/* FC names go to LIO without their prefix, as in 6.1. */
	start = name;
	if (proto == SCSI_PROTOCOL_FCP)
		start = strstr(name, "fc.") + 3;
	len = strlen(start);
	if (len && start[len - 1] == '\n')
		start[len - 1] = '\0';
	ret = vhs_make_nexus(tpg, start);
	return ret ? ret : count;
}

CONFIGFS_ATTR(vhs_tpg_, nexus);

static struct configfs_attribute *vhs_tpg_attrs[] = {
	&vhs_tpg_attr_nexus,
	NULL,
};

/* ---- tpg and tport -------------------------------------------------------- */

static struct se_portal_group *vhs_make_tpg(struct se_wwn *wwn,
					    const char *name)
{
	struct vhs_tport *tport = container_of(wwn, struct vhs_tport, wwn);
	struct vhs_tpg *tpg;
	u16 tpgt;
	int ret;

	if (strncmp(name, "tpgt_", 5))
		return ERR_PTR(-EINVAL);
	if (kstrtou16(name + 5, 10, &tpgt) || tpgt >= VHS_MAX_TARGET)
		return ERR_PTR(-EINVAL);
	tpg = kzalloc(sizeof(*tpg), GFP_KERNEL);
	if (!tpg)
		return ERR_PTR(-ENOMEM);
	mutex_init(&tpg->mutex);
	kref_init(&tpg->kref);
	tpg->tport = tport;
	tpg->tpgt = tpgt;
	ret = core_tpg_register(wwn, &tpg->se_tpg, tport->proto_id);
	if (ret < 0) {
		kfree(tpg);
		return ERR_PTR(ret);
	}
	mutex_lock(&vhs_tpgs_lock);
	list_add_tail(&tpg->node, &vhs_tpgs);
	mutex_unlock(&vhs_tpgs_lock);
	return &tpg->se_tpg;
}

static void vhs_drop_tpg(struct se_portal_group *se_tpg)
{
	struct vhs_tpg *tpg = to_vhs_tpg(se_tpg);

	mutex_lock(&vhs_tpgs_lock);
	list_del(&tpg->node);
	mutex_unlock(&vhs_tpgs_lock);
	mutex_lock(&tpg->mutex);
	tpg->dropped = true;
	mutex_unlock(&tpg->mutex);
	vhs_drop_nexus(tpg);
	core_tpg_deregister(se_tpg);
	/* An endpoint ioctl may still hold a reference. */
	vhs_tpg_put(tpg);
}

static struct se_wwn *vhs_make_tport(struct target_fabric_configfs *tf,
				     struct config_group *group,
				     const char *name)
{
	struct vhs_tport *tport;
	const char *prefix;
	const char *start;
	u8 proto;

	prefix = vhs_port_prefix(name, &proto);
	if (!prefix || strlen(name) >= VHS_NAMELEN)
		return ERR_PTR(-EINVAL);
	tport = kzalloc(sizeof(*tport), GFP_KERNEL);
	if (!tport)
		return ERR_PTR(-ENOMEM);
	tport->proto_id = proto;
	start = name;
	if (proto == SCSI_PROTOCOL_FCP)
		start = strstr(name, "fc.") + 3;
	strscpy(tport->name, start, sizeof(tport->name));
	return &tport->wwn;
}

static void vhs_drop_tport(struct se_wwn *wwn)
{
	kfree(container_of(wwn, struct vhs_tport, wwn));
}

static ssize_t vhs_wwn_version_show(struct config_item *item, char *page)
{
	return sprintf(page, "vhost-hardened vhost-scsi fabric on %s/%s on "
		       UTS_RELEASE "\n", utsname()->sysname,
		       utsname()->machine);
}

CONFIGFS_ATTR_RO(vhs_wwn_, version);

static struct configfs_attribute *vhs_wwn_attrs[] = {
	&vhs_wwn_attr_version,
	NULL,
};

static const struct target_core_fabric_ops vhs_fabric_ops = {
	.module				= THIS_MODULE,
	.fabric_name			= "vhost",
	VHH_FABRIC_SUBMIT_OPS
	.max_data_sg_nents		= VHS_MAX_SGS,
	.tpg_get_wwn			= vhs_get_fabric_wwn,
	.tpg_get_tag			= vhs_get_tpgt,
	.tpg_check_demo_mode		= vhs_true,
	.tpg_check_demo_mode_cache	= vhs_true,
	.tpg_check_demo_mode_write_protect = vhs_false,
	.tpg_check_prod_mode_write_protect = vhs_false,
	.tpg_check_prot_fabric_only	= vhs_prot_fabric_only,
	.tpg_get_inst_index		= vhs_tpg_inst_index,
	.release_cmd			= vhs_release_cmd,
	.check_stop_free		= vhs_check_stop_free,
	.sess_get_index			= vhs_sess_get_index,
	.write_pending			= vhs_write_pending,
	.set_default_node_attributes	= vhs_set_default_node_attrs,
	.get_cmd_state			= vhs_get_cmd_state,
	.queue_data_in			= vhs_queue_status,
	.queue_status			= vhs_queue_status,
	.queue_tm_rsp			= vhs_queue_tm_rsp,
	.aborted_task			= vhs_aborted_task,
	.fabric_make_wwn		= vhs_make_tport,
	.fabric_drop_wwn		= vhs_drop_tport,
	.fabric_make_tpg		= vhs_make_tpg,
	.fabric_drop_tpg		= vhs_drop_tpg,
	.fabric_post_link		= vhs_port_link,
	.fabric_pre_unlink		= vhs_port_unlink,
	.tfc_wwn_attrs			= vhs_wwn_attrs,
	.tfc_tpg_base_attrs		= vhs_tpg_attrs,
	.tfc_tpg_attrib_attrs		= vhs_tpg_attrib_attrs,
};

int vhs_fabric_register(void)
{
	return target_register_template(&vhs_fabric_ops);
}

void vhs_fabric_unregister(void)
{
	target_unregister_template(&vhs_fabric_ops);
}
